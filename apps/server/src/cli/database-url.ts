/**
 * The database a command-line tool works on, as the server would choose it: DATABASE_URL, or the
 * embedded PostgreSQL in CRM_DATA_DIR — the running server's when it is up, else started for the
 * tool and stopped by `release()`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadStoredSecrets, type AppConfig } from '../config/config.js';
import { pgDataDir, startEmbeddedPostgres, type EmbeddedDatabase } from '../database/embedded-postgres.js';

/** The running embedded server's PostgreSQL port, from its lock file, when it is up. */
export function runningEmbeddedPort(dataDir: string): number | null {
  // Where the cluster really lives: as root it may be relocated out of a folder postgres cannot enter.
  const lock = path.join(pgDataDir(dataDir), 'postmaster.pid');
  if (!existsSync(lock)) return null;
  const lines = readFileSync(lock, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  return Number.isInteger(port) && port > 0 ? port : null;
}

export interface ToolDatabase {
  url: string;
  release(): Promise<void>;
}

export async function openToolDatabase(config: AppConfig): Promise<ToolDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, release: async () => undefined };
  const secrets = loadStoredSecrets(config.dataDir);
  const port = runningEmbeddedPort(config.dataDir);
  if (port) return { url: `postgres://postgres:${encodeURIComponent(secrets.pgPassword)}@127.0.0.1:${port}/postgres`, release: async () => undefined };
  const embedded: EmbeddedDatabase = await startEmbeddedPostgres({ dataDir: config.dataDir, password: secrets.pgPassword });
  return { url: embedded.url, release: () => embedded.stop() };
}
