/**
 * Runs one PostgreSQL cluster from given binaries: initdb once, then the postmaster as a child
 * process (as the postgres user when we are root). Used by the server's embedded mode and by the
 * test harness, so both work from a checkout the postgres user cannot enter.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pgBinaries, postgresUser, stageRoot, isRoot, type PgBinaries, type RunAs } from './pg-binaries.js';

export interface ClusterOptions {
  dataDir: string;
  password: string;
  port: number;
  authMethod?: 'scram-sha-256' | 'password' | 'md5';
  postgresFlags?: string[];
  log?: (m: string) => void;
  /**
   * Also listen on a Unix socket in this directory (which the postgres user can write, e.g. the data
   * directory); TCP on 127.0.0.1 stays on. Not used by the server's embedded cluster: measured on a
   * shared 2-core machine, 8 pooled connections made 2.2–2.7× fewer queries/s over the socket than
   * over loopback TCP (README, Benchmarks). The benches can ask for it (BENCH_DB_SOCKET=1).
   */
  socketDir?: string;
}

export interface RunningCluster {
  port: number;
  binaries: PgBinaries;
  stop(): Promise<void>;
}

// PostgreSQL gets a minimal environment: never our secrets (CRM_DATA_KEY must stay out of reach of
// a database superuser, who can read /proc/self/environ), and messages in English whatever the
// machine's locale, since readiness is recognised by its log line.
const ENV: NodeJS.ProcessEnv = { LC_MESSAGES: 'C', LC_ALL: 'C' };
for (const name of ['PATH', 'TZ', 'TMPDIR']) if (process.env[name]) ENV[name] = process.env[name];

function run(file: string, args: string[], as: RunAs | undefined, cwd: string, log: (m: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { uid: as?.uid, gid: as?.gid, cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stdout.on('data', (d: Buffer) => log(d.toString().trim()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      log(d.toString().trim());
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(file)} failed (exit ${code}): ${err.trim().slice(-500)}`))));
  });
}

/** Creates a new cluster in dataDir (which must not hold one), owned by the user PostgreSQL runs as. */
export async function initCluster(opts: ClusterOptions): Promise<void> {
  const log = opts.log ?? (() => undefined);
  const bins = pgBinaries(log);
  const as = postgresUser();
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  if (as) chownSync(opts.dataDir, as.uid, as.gid);
  // The password travels in a private file readable only by the user initdb runs as.
  const pwDir = mkdtempSync(path.join(isRoot() ? stageRoot() : path.dirname(opts.dataDir), '.pw-'));
  const pwFile = path.join(pwDir, 'pw');
  try {
    writeFileSync(pwFile, `${opts.password}\n`, { mode: 0o600 });
    if (as) {
      chownSync(pwDir, as.uid, as.gid);
      chownSync(pwFile, as.uid, as.gid);
    }
    await run(
      path.join(bins.root, 'bin', 'initdb'),
      [`--pgdata=${opts.dataDir}`, `--auth=${opts.authMethod ?? 'scram-sha-256'}`, '--username=postgres', `--pwfile=${pwFile}`,
        '--lc-messages=C', '--encoding=UTF8', '--locale=C'],
      as, path.dirname(opts.dataDir), log,
    );
  } finally {
    rmSync(pwDir, { recursive: true, force: true });
  }
}

/** A socket path longer than this does not fit sockaddr_un (108 bytes with its terminator) on Linux. */
const SOCKET_PATH_MAX = 107;

/** The socket directory a cluster will use, or null (none asked for, or its path would be too long: TCP only). */
export function socketDirFor(opts: Pick<ClusterOptions, 'socketDir' | 'port'>): string | null {
  if (!opts.socketDir) return null;
  const dir = path.resolve(opts.socketDir);
  return `${dir}/.s.PGSQL.${opts.port}`.length <= SOCKET_PATH_MAX && !/[\s,\\'"]/.test(dir) ? dir : null;
}

/**
 * A connection URL for the cluster: over its Unix socket when it has one (pg takes the socket
 * directory from the `host` parameter; the port names the socket file), else TCP on 127.0.0.1.
 */
export function clusterUrl(opts: Pick<ClusterOptions, 'socketDir' | 'port' | 'password'>, database: string): string {
  const tcp = `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/${database}`;
  const dir = socketDirFor(opts);
  return dir ? `${tcp}?host=${encodeURIComponent(dir)}` : tcp;
}

/** Starts the postmaster on dataDir and resolves once it accepts connections (read-only ones, for a standby). */
export async function startCluster(opts: ClusterOptions): Promise<RunningCluster> {
  const log = opts.log ?? (() => undefined);
  const bins = pgBinaries(log);
  const as = postgresUser();
  const child: ChildProcess = spawn(
    path.join(bins.root, 'bin', 'postgres'),
    ['-D', opts.dataDir, '-p', String(opts.port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${socketDirFor(opts) ?? ''}`, ...(opts.postgresFlags ?? [])],
    { uid: as?.uid, gid: as?.gid, cwd: path.dirname(opts.dataDir), env: ENV, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let err = '';
    const onExit = (code: number | null) => reject(new Error(`PostgreSQL exited (code ${code}): ${err.trim().slice(-500)}`));
    child.once('error', reject);
    child.once('exit', onExit);
    child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      log(text.trim());
      if (err.length < 4000) err += text;
      // A standby (hot_standby) says "ready to accept read-only connections".
      if (/database system is ready to accept (read-only )?connections/.test(text)) {
        child.off('exit', onExit);
        resolve();
      }
    });
  });
  return {
    port: opts.port,
    binaries: bins,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGINT'); // fast shutdown: clean, writes a checkpoint
      const t = setTimeout(() => child.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(t);
    },
  };
}
