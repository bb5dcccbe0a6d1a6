/**
 * Starts the real, built server process (apps/server/dist/main.js) on a free port against a fresh
 * database, and talks to it over HTTP. Tests never reach into the server's memory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dropTestDatabase } from './db.js';
import { databaseFor, snapshotKey } from './snapshots.js';
import { until } from './until.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The built server; the build without solution packs (scripts/build-without-packs.mjs) points CRM_TEST_SERVER_MAIN at its own. */
export const SERVER_MAIN = path.resolve(repo, process.env.CRM_TEST_SERVER_MAIN || 'apps/server/dist/main.js');
export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789';
export const TEST_DATA_KEY = 'a'.repeat(64);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface TestServer {
  baseUrl: string;
  port: number;
  dbUrl: string;
  dataDir: string;
  proc: ChildProcess;
  output(): string;
  /** Stops the process (SIGTERM) and, unless keepDatabase, drops its database. */
  stop(opts?: { keepDatabase?: boolean }): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  dbUrl?: string;
  /** No DATABASE_URL: the server starts its own embedded PostgreSQL in dataDir. */
  embedded?: boolean;
  dataDir?: string;
  timeoutMs?: number;
  port?: number;
}

export function spawnServer(env: Record<string, string | undefined>): ChildProcess {
  const clean: Record<string, string> = {};
  // One process per server unless a test asks for workers (tests/ops/workers.test.ts): many test files run at once.
  for (const [k, v] of Object.entries({ CRM_WORKERS: '1', ...process.env, ...env })) if (v !== undefined) clean[k] = v;
  return spawn(process.execPath, ['--disable-warning=ExperimentalWarning', SERVER_MAIN], { env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts the server on a database and waits for it to exit (a start that must be refused); its exit code and output. */
/** Runs the built server on dbUrl (a bare platform) until it exits: its exit code and output. */
export async function runToExit(dbUrl: string): Promise<{ code: number | null; out: string }> {
  return runServerToExit({
    PORT: String(await freePort()), DATABASE_URL: dbUrl, CRM_SECRET: TEST_SECRET, CRM_DATA_KEY: TEST_DATA_KEY,
    CRM_DEMO: '1', CRM_DEMO_TEMPLATES: 'none', LOG_LEVEL: 'warn',
  });
}

export async function waitHealthy(baseUrl: string, proc: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  await until(
    async () => {
      if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${output()}`);
      return fetch(`${baseUrl}/api/health`).then((res) => res.status === 200, () => false); // refused: not listening yet
    },
    { ms: timeoutMs, what: () => `the server to become healthy in ${timeoutMs} ms:\n${output()}` },
  );
}

export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  const port = opts.port ?? (await freePort());
  const dbUrl = opts.embedded ? '' : (opts.dbUrl ?? (await databaseFor(snapshotKey(opts.env ?? {}, SERVER_MAIN), async (url) => {
    // The configuration's first start, on a database kept as its snapshot.
    const first = await startServer({ ...opts, dbUrl: url, port: undefined, dataDir: undefined });
    await first.stop({ keepDatabase: true });
  })));
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'crm-srv-'));
  chmodSync(dataDir, 0o755); // as root, the embedded PostgreSQL runs as "postgres" and must enter it
  const env: Record<string, string | undefined> = {
    PORT: String(port),
    DATABASE_URL: opts.embedded ? '' : dbUrl,
    CRM_DATA_DIR: dataDir,
    CRM_SECRET: opts.embedded ? undefined : TEST_SECRET,
    CRM_DATA_KEY: opts.embedded ? undefined : TEST_DATA_KEY,
    CRM_DEMO: '1',
    // A bare platform with the demo users; suites about the bank pack ask for it explicitly.
    CRM_DEMO_TEMPLATES: 'none',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    ...opts.env,
  };
  const proc = spawnServer(env);
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  try {
    await waitHealthy(baseUrl, proc, opts.timeoutMs ?? 60000, () => out);
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  return {
    baseUrl,
    port,
    dbUrl,
    dataDir,
    proc,
    output: () => out,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (proc.exitCode === null) proc.kill(signal);
      return exited;
    },
    async stop(o = {}) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 15000);
        await exited;
        clearTimeout(t);
      }
      if (!o.keepDatabase && dbUrl) await dropTestDatabase(dbUrl).catch(() => undefined);
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs the built server with env until it exits (killed after timeoutMs); its exit code and output. */
export async function runServerToExit(env: Record<string, string | undefined>, timeoutMs = 60000): Promise<{ code: number | null; out: string }> {
  const proc = spawnServer(env);
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  clearTimeout(t);
  return { code, out };
}
