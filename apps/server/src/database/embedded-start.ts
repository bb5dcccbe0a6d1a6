/**
 * Starts the embedded PostgreSQL for a configuration without DATABASE_URL and logs where it runs.
 * Kept apart from server.ts so main.ts can start PostgreSQL while the server's modules still load.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import { loadStoredSecrets, type AppConfig } from '../config/config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.js';

export async function startEmbeddedFor(config: AppConfig, logger: Logger, print: (line: string) => void): Promise<EmbeddedDatabase> {
  const secrets = loadStoredSecrets(config.dataDir);
  const embedded = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    password: secrets.pgPassword,
    log: (m) => logger.debug({ component: 'postgres' }, m),
  });
  logger.info({ port: embedded.port, dataDir: config.dataDir, pgData: embedded.pgDir, pgBinaries: embedded.binDir }, 'embedded PostgreSQL started');
  if (!embedded.pgDir.startsWith(config.dataDir + path.sep)) {
    print(`Embedded PostgreSQL runs as user "postgres", which cannot enter ${config.dataDir}: its data is in ${embedded.pgDir}, its binaries in ${embedded.binDir}`);
  }
  return embedded;
}
