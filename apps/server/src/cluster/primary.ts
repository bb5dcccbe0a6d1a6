/**
 * CRM_WORKERS > 1: this process is the supervisor of that many HTTP worker processes (node:cluster,
 * one shared listening port, connections handed out round-robin). It serves nothing itself and loads
 * no application module: it starts the embedded PostgreSQL (when there is no DATABASE_URL) and hands
 * its address to the workers, starts the first worker alone (it runs the migrations, seeding and demo
 * bootstrap exactly as a single process would) and the others once it listens, restarts a worker that
 * dies, and on SIGTERM/SIGINT lets every worker drain (each bounded by CRM_SHUTDOWN_TIMEOUT_MS) before
 * stopping the embedded PostgreSQL. Exit code: a worker's start-up failure code when the first start
 * fails (2 for a refused configuration, …); after a signal 0 when every worker drained cleanly, else 1.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/config.js';
import type { EmbeddedDatabase } from '../database/embedded-postgres.js';
import { isWorkerMessage, type PrimaryMessage } from './messages.js';

const RESTART_FIRST_MS = 500;
const RESTART_MAX_MS = 30_000;

export async function runPrimary(config: AppConfig, logger: Logger, embedded: Promise<EmbeddedDatabase> | undefined): Promise<never> {
  let db: EmbeddedDatabase | undefined;
  try {
    db = await embedded;
  } catch (err) {
    logger.fatal({ err }, 'startup failed');
    process.stderr.write(`Startup failed: ${(err as Error).message.split('\n')[0]}\n`);
    process.exit(1);
  }
  const start: PrimaryMessage = { type: 'crm:start', databaseUrl: db?.url ?? null };
  const live = new Set<Worker>();
  let stopping = false;
  let restartDelay = RESTART_FIRST_MS;
  let url = '';

  const finish = async (code: number): Promise<never> => {
    await db?.stop().catch(() => undefined);
    process.exit(code);
  };

  /** Forks a worker; resolves when it listens, rejects with its exit code if it dies before. */
  const fork = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork();
      live.add(worker);
      let listening = false;
      worker.on('message', (m: unknown) => {
        if (!isWorkerMessage(m)) return;
        if (m.type === 'crm:hello') return void worker.send(start);
        if (m.type === 'crm:changes') return relayChanges(worker, m.id, m.changes);
        if (m.type === 'crm:changes-ack') return void acks.get(m.id)?.(worker);
        listening = true;
        url = m.url;
        resolve(worker);
      });
      worker.on('exit', (code, signal) => {
        live.delete(worker);
        for (const ack of [...acks.values()]) ack(worker); // nobody waits for a dead worker's acknowledgement
        if (!listening) reject(Object.assign(new Error(`worker exited during start-up (${signal ?? code})`), { exitCode: code ?? 1 }));
        else onExit(worker, code, signal);
      });
    });

  // Cache changes: from one worker to all the others; the sender hears back once each applied them.
  let relaySeq = 0;
  const acks = new Map<number, (from: Worker) => void>();
  const relayChanges = (origin: Worker, originId: number, changes: unknown) => {
    const id = ++relaySeq;
    const others = new Set([...live].filter((w) => w !== origin && w.isConnected()));
    const finish = () => {
      acks.delete(id);
      if (origin.isConnected()) origin.send({ type: 'crm:changes-done', id: originId } satisfies PrimaryMessage);
    };
    if (!others.size) return finish();
    acks.set(id, (from) => {
      others.delete(from);
      if (!others.size) finish();
    });
    for (const w of others) w.send({ type: 'crm:changes', id, changes } satisfies PrimaryMessage);
  };

  let cleanExits = true;
  const onExit = (worker: Worker, code: number | null, signal: string | null) => {
    if (stopping) {
      if (code !== 0) cleanExits = false;
      if (live.size === 0) void finish(cleanExits ? 0 : 1);
      return;
    }
    // A crash (or a kill): replace the worker; requests it had acknowledged were committed before their answer.
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting a replacement');
    const retry = () => {
      if (stopping) return;
      fork().then(
        () => (restartDelay = RESTART_FIRST_MS),
        () => {
          restartDelay = Math.min(restartDelay * 2, RESTART_MAX_MS);
          setTimeout(retry, restartDelay).unref();
        },
      );
    };
    setTimeout(retry, restartDelay).unref();
  };

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: live.size }, 'stopping workers');
    if (live.size === 0) void finish(0);
    for (const w of live) w.process.kill('SIGTERM');
    // Each worker bounds its own drain; this only guards against one that hangs.
    setTimeout(() => {
      for (const w of live) w.process.kill('SIGKILL');
      void finish(1);
    }, config.shutdownTimeoutMs + 20_000).unref();
  };
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  try {
    // The first worker migrates and seeds alone; the rest then start together on a ready database.
    await fork();
    await Promise.all(Array.from({ length: config.workers - 1 }, fork));
  } catch (err) {
    if (stopping) return new Promise<never>(() => undefined);
    stopping = true;
    for (const w of live) w.process.kill('SIGTERM');
    await Promise.all([...live].map((w) => new Promise((r) => w.once('exit', r))));
    return finish((err as { exitCode?: number }).exitCode || 1);
  }
  logger.info({ workers: config.workers, pids: [...live].map((w) => w.process.pid) }, 'HTTP workers listening');
  process.stdout.write(`银行客户管理平台 is running at ${url} (${config.workers} worker processes)\n`);
  return new Promise<never>(() => undefined);
}
