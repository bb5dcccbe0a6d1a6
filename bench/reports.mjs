// `pnpm bench reports`: two reports over the generated demo bank — "AUM by branch × product category"
// (holdings) and "new customers by month for 24 months" — run through HTTP as a scoped branch manager
// and as compliance (whole bank), against the same hand-written SQL in the same run and database.
// Every HTTP run gets a filter that changes the cache key without changing the answer, so the figures
// are of the compiled statement, not of the report cache. BENCH_CUSTOMERS (default 100000) sets the size,
// BENCH_RUNS (default 30) the runs per measurement.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { api, fmt, login, percentile, startPostgres, startServer } from './lib.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const SECRET = 'bench-secret-bench-secret-bench-secret-0000';
const DATA_KEY = 'b'.repeat(64);

const REPORTS = [
  {
    key: 'bench_aum_branch_category', name: 'AUM by branch × product category', object: 'holding',
    measures: [{ key: 'aum', agg: 'sum', field: 'balance' }, { key: 'n', agg: 'count' }],
    dimensions: [{ field: 'org_unit_id', key: 'branch', level: 2 }, { field: 'category' }],
    pivot: { rows: ['branch'], columns: ['category'] },
  },
  {
    key: 'bench_new_customers_24m', name: 'New customers by month (24 months)', object: 'customer',
    measures: [{ key: 'n', agg: 'count' }],
    dimensions: [{ field: 'created_at', key: 'month', bucket: 'month' }],
    filter: { created_at: { $within: 'last 24 months' } },
  },
];

/** The hand-written SQL of each report, for a scope (`unit`: the org subtree a branch manager reads; null: everything). */
function handSql(key, unit, bound) {
  const scope = unit ? `AND $2::uuid = ANY(u.path)` : '';
  if (key === 'bench_aum_branch_category') {
    return {
      text: `SELECT u.path[2] AS branch, h.category, sum(h.balance) AS aum, count(*) AS n
             FROM crm_data.holding h JOIN crm.org_units u ON u.id = h.org_unit_id
             WHERE h.deleted_at IS NULL AND h.created_at < $1 ${scope}
             GROUP BY GROUPING SETS ((u.path[2], h.category), (u.path[2]), (h.category), ())`,
      params: unit ? [bound, unit] : [bound],
    };
  }
  return {
    text: `SELECT to_char(c.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') AS month, count(*) AS n
           FROM crm_data.customer c JOIN crm.org_units u ON u.id = c.org_unit_id
           WHERE c.deleted_at IS NULL AND c.created_at < $1
             AND c.created_at >= date_trunc('day', (now() AT TIME ZONE 'Asia/Shanghai') - interval '24 months' + interval '1 day') AT TIME ZONE 'Asia/Shanghai' ${scope}
           GROUP BY GROUPING SETS ((1), ())`,
    params: unit ? [bound, unit] : [bound],
  };
}

async function loadBank(dbUrl) {
  await new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', path.join(repo, 'apps/server/dist/packs/bank-crm/demo/demo-data.js'), '--customers', String(CUSTOMERS), '--seed', '7'], {
      env: { ...process.env, DATABASE_URL: dbUrl, CRM_SECRET: SECRET, CRM_DATA_KEY: DATA_KEY, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    proc.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`demo data load exited ${code}`))));
  });
}

async function timed(fn) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

export async function run() {
  const db = await startPostgres();
  const server = await startServer(db.url, { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '0', CRM_SECRET: SECRET, CRM_DATA_KEY: DATA_KEY });
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  try {
    console.log(`loading the demo bank: ${CUSTOMERS.toLocaleString()} customers`);
    await loadBank(db.url);
    const analyst = await login(server.base, 'analyst');
    for (const r of REPORTS) await api(server.base, 'POST', '/api/reports', analyst, r);
    const managerUnit = (await pool.query(`SELECT org_unit_id FROM crm.users WHERE username = 'manager'`)).rows[0].org_unit_id;
    const holdings = (await pool.query(`SELECT count(*)::int AS n FROM crm_data.holding`)).rows[0].n;
    console.log(`${CUSTOMERS.toLocaleString()} customers, ${holdings.toLocaleString()} holdings; ${RUNS} runs each, p50 / p95 in ms`);
    for (const [user, unit] of [['manager', managerUnit], ['compliance', null]]) {
      const token = await login(server.base, user);
      for (const r of REPORTS) {
        // A bound far in the future, one second apart per run: the same rows, a new cache key.
        const bound = (i) => new Date(Date.UTC(2100, 0, 1) + i * 1000).toISOString();
        const first = await api(server.base, 'POST', `/api/reports/${r.key}/run`, token, { filter: { created_at: { $lt: bound(RUNS + 1) } } });
        const check = await pool.query(handSql(r.key, unit, bound(RUNS + 1)).text, handSql(r.key, unit, bound(RUNS + 1)).params);
        const grand = first.totals.find((t) => t.$collapsed.length === r.dimensions.length);
        const sqlGrand = check.rows.find((x) => Object.entries(x).every(([k, v]) => !r.dimensions.some((d) => (d.key ?? d.field) === k) || v === null));
        const same = String(grand?.n ?? '') === String(sqlGrand?.n ?? '');
        const http = await timed((i) => api(server.base, 'POST', `/api/reports/${r.key}/run`, token, { filter: { created_at: { $lt: bound(i) } } }));
        const raw = await timed((i) => pool.query(handSql(r.key, unit, bound(i)).text, handSql(r.key, unit, bound(i)).params));
        console.log(
          `${r.name.padEnd(36)} as ${user.padEnd(10)} HTTP ${fmt(http.p50)} / ${fmt(http.p95)}   SQL ${fmt(raw.p50)} / ${fmt(raw.p95)}   ratio HTTP/SQL p50 ${fmt(http.p50 / raw.p50, 2)}` +
            `   rows ${first.rows.length}, total ${grand?.n}${same ? ' = SQL' : ` ≠ SQL ${sqlGrand?.n}`}`,
        );
      }
    }
  } finally {
    await pool.end();
    await server.stop();
    await db.stop();
  }
}
