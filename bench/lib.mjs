// Shared bench plumbing: one embedded PostgreSQL and the real built server process against it.
import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(a.port));
    });
  });
}

/**
 * An embedded PostgreSQL with default durability settings (fsync on), as a deployment has — started
 * by the server's own launcher, so a bench runs from any checkout (as root, the binaries are staged
 * where the postgres user can reach them).
 */
export async function startPostgres() {
  const dir = mkdtempSync(path.join(tmpdir(), 'crm-bench-pg-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const { clusterUrl, initCluster, startCluster } = await import(path.join(repo, 'apps/server/dist/database/pg-cluster.js'));
  const dataDir = path.join(dir, 'data');
  // BENCH_DB_SOCKET=1: the benched server and the baseline both reach PostgreSQL over a Unix socket in
  // its data directory instead of loopback TCP (on the shared 2-core machine it was slower; README).
  const socketDir = process.env.BENCH_DB_SOCKET === '1' ? dataDir : undefined;
  // BENCH_PG_STATS=1: pg_stat_statements loaded, so a bench can say which statements the database's time went to.
  const stats = process.env.BENCH_PG_STATS === '1' ? ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=all'] : [];
  // BENCH_PG_EXPLAIN_MS=<ms>: auto_explain logs EXPLAIN (ANALYZE, BUFFERS) of every statement (nested ones
  // too) slower than that, with the rest of PostgreSQL's log, to the file BENCH_PG_LOG (default: stderr).
  const explainMs = process.env.BENCH_PG_EXPLAIN_MS;
  const explain = explainMs
    ? ['session_preload_libraries=auto_explain', `auto_explain.log_min_duration=${Number(explainMs)}`, 'auto_explain.log_analyze=on', 'auto_explain.log_buffers=on', 'auto_explain.log_nested_statements=on'].flatMap((f) => ['-c', f])
    : [];
  const log = explainMs ? (text) => (process.env.BENCH_PG_LOG ? appendFileSync(process.env.BENCH_PG_LOG, `${text}\n`) : process.stderr.write(`${text}\n`)) : undefined;
  const cluster = { dataDir, password: 'bench', port, socketDir, log, postgresFlags: ['-c', 'max_connections=200', '-c', 'shared_buffers=512MB', ...stats, ...explain] };
  await initCluster(cluster);
  const db = await startCluster(cluster);
  const c = new pg.Client(clusterUrl(cluster, 'postgres'));
  await c.connect();
  await c.query('CREATE DATABASE crm');
  await c.end();
  if (stats.length) {
    const crm = new pg.Client(clusterUrl(cluster, 'crm'));
    await crm.connect();
    await crm.query('CREATE EXTENSION pg_stat_statements');
    await crm.end();
  }
  return { url: clusterUrl(cluster, 'crm'), async stop() { await db.stop(); rmSync(dir, { recursive: true, force: true }); } };
}

/** HTTP worker processes of the benched server: BENCH_WORKERS (default 1, the figures in the README's table). */
export function workers() {
  return process.env.BENCH_WORKERS ?? '1';
}

export async function startServer(dbUrl, env = {}) {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'crm-bench-data-'));
  // BENCH_SERVER_NODE_ARGS adds node flags to the server only (e.g. "--cpu-prof --cpu-prof-dir=prof" to profile it under load).
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, '--disable-warning=ExperimentalWarning', path.join(repo, 'apps/server/dist/main.js')], {
    env: { ...process.env, PORT: String(port), DATABASE_URL: dbUrl, CRM_DATA_DIR: dataDir, CRM_SECRET: 'bench-secret-bench-secret-bench-secret-0000', CRM_DATA_KEY: 'b'.repeat(64), CRM_DEMO: '1', LOG_LEVEL: 'error', CRM_TOKEN_TTL: '86400', CRM_WORKERS: workers(), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + Number(process.env.BENCH_START_MS ?? 60000);
  for (;;) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch {}
    if (Date.now() > until || proc.exitCode !== null) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  return { base, async stop() { proc.kill('SIGTERM'); await new Promise((r) => proc.once('exit', r)); rmSync(dataDir, { recursive: true, force: true }); } };
}

export async function api(base, method, p, token, body) {
  const res = await fetch(base + p, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error(`${method} ${p} → ${res.status} ${text.slice(0, 300)}`);
  return json;
}

export async function login(base, username) {
  return (await api(base, 'POST', '/api/auth/login', null, { username, password: 'Demo@2026' })).accessToken;
}

/** Runs `worker` in `clients` concurrent loops for `ms`; returns operations completed. */
export async function loadFor(ms, clients, worker) {
  const stopAt = Date.now() + ms;
  let ops = 0;
  await Promise.all(Array.from({ length: clients }, async (_, i) => {
    while (Date.now() < stopAt) {
      await worker(i);
      ops++;
    }
  }));
  return ops;
}

export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const fmt = (n, d = 1) => Number(n).toFixed(d);

/**
 * The HTTP floor: authenticated requests that do almost no database work (`GET /api/auth/me`, the
 * caller served from the per-process user cache, one small query for the caller's org unit) at
 * `clients` clients with the same load generator. No persisted route can beat it, so floor ÷ baseline
 * is the ceiling of a persisted ratio on this machine.
 */
export async function httpFloor(base, token, seconds, clients) {
  const headers = { authorization: `Bearer ${token}` };
  const call = async () => {
    const r = await fetch(`${base}/api/auth/me`, { headers });
    if (r.status !== 200) throw new Error(`GET /api/auth/me → ${r.status}`);
    await r.arrayBuffer();
  };
  for (let i = 0; i < 50; i++) await call();
  return (await loadFor(seconds * 1000, clients, call)) / seconds;
}

/** The machine's 1-minute load average, printed next to each figure (other work distorts both sides). */
export function machineLoad() {
  return loadavg()[0].toFixed(1);
}

/**
 * With BENCH_PG_STATS=1: `reset()` before a timed phase, then `top(n)` — the statements the database spent
 * that phase on (total and mean execution ms, calls, rows), the time a request waits on PostgreSQL.
 */
export async function pgStatements(url) {
  const on = process.env.BENCH_PG_STATS === '1';
  const q = async (sql) => {
    const c = new pg.Client(url);
    await c.connect();
    try { return (await c.query(sql)).rows; } finally { await c.end(); }
  };
  return {
    async reset() { if (on) await q('SELECT pg_stat_statements_reset()'); },
    async top(n = 8) {
      if (!on) return [];
      const rows = await q(`SELECT calls, rows, total_exec_time AS total, mean_exec_time AS mean, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query
        FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT ${Number(n)}`);
      return rows.map((r) => `${fmt(r.total, 0).padStart(7)} ms total  ${fmt(r.mean, 2).padStart(7)} ms mean  ${String(r.calls).padStart(6)} calls  ${r.query}`);
    },
  };
}
