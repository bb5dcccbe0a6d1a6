// `pnpm bench reports`: two reports over the generated demo bank — "AUM by branch × product category"
// (holdings) and "new customers by month for 24 months" — run through HTTP as a scoped branch manager
// and as compliance (whole bank), against the same hand-written SQL in the same run and database; then a
// four-click drill-down as the branch manager (branch → sub-branch → team → customer manager → the
// customer list behind the cell), warm. Every HTTP run gets a filter that changes the cache key without
// changing the answer, so the figures are of the compiled statements, not of the report cache.
// BENCH_CUSTOMERS (default 100000) sets the size, BENCH_RUNS (default 30) the runs per measurement.
// The demo loader writes the first BENCH_BASE_CUSTOMERS (default 20000) customers with their holdings;
// the rest are copies of those made in SQL (generate_series, new ids, indexes rebuilt once, then
// VACUUM ANALYZE), so a 1,000,000-customer bank takes minutes, not an hour.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { api, fmt, login, machineLoad, percentile, startPostgres, startServer } from './lib.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const BASE = Math.min(CUSTOMERS, Number(process.env.BENCH_BASE_CUSTOMERS ?? 20_000));
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
    const proc = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', path.join(repo, 'apps/server/dist/packs/bank-crm/demo/demo-data.js'), '--customers', String(BASE), '--seed', '7'], {
      env: { ...process.env, DATABASE_URL: dbUrl, CRM_SECRET: SECRET, CRM_DATA_KEY: DATA_KEY, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    proc.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`demo data load exited ${code}`))));
  });
}

const q = (name) => `"${name.replace(/"/g, '""')}"`;

/**
 * Grows the loaded bank to CUSTOMERS customers in SQL: copy g of a loaded customer gets the id
 * md5(id:g) and its customer number suffixed -g, and brings copies of its holdings (same product,
 * category, balance, owner and org unit; the copied customer's id). Secondary indexes are dropped
 * first and rebuilt once at the end, as the demo loader does for big loads.
 */
async function growBank(pool) {
  if (CUSTOMERS <= BASE) return;
  const started = Date.now();
  const c = await pool.connect();
  try {
    const columns = async (table) =>
      (await c.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'crm_data' AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`, [table])).rows.map((r) => r.column_name);
    const copied = { id: `md5(x.id::text || ':' || $1::int)::uuid`, customer: `md5(x.customer::text || ':' || $1::int)::uuid`, customer_no: `x.customer_no || '-' || $1::int` };
    const copy = async (table, join) => {
      const cols = await columns(table);
      const text = `INSERT INTO crm_data.${q(table)} (${cols.map(q).join(', ')}) SELECT ${cols.map((n) => copied[n] ?? `x.${q(n)}`).join(', ')} FROM crm_data.${q(table)} x JOIN bench_base b ON b.id = x.${join} WHERE b.rn <= $2::int`;
      return (g, n) => c.query(text, [g, n]);
    };
    const { rows: indexes } = await c.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'crm_data' AND tablename IN ('customer', 'holding') AND indexdef NOT LIKE 'CREATE UNIQUE%'`);
    for (const i of indexes) await c.query(`DROP INDEX crm_data.${q(i.indexname)}`);
    await c.query('SET synchronous_commit = off');
    await c.query(`CREATE TEMP TABLE bench_base AS SELECT id, row_number() OVER (ORDER BY id) AS rn FROM crm_data.customer`);
    const customers = await copy('customer', 'id');
    const holdings = await copy('holding', 'customer');
    for (let g = 1, left = CUSTOMERS - BASE; left > 0; g++, left -= BASE) {
      const n = Math.min(BASE, left);
      await customers(g, n);
      await holdings(g, n);
      process.stderr.write(`\rcopying in SQL: ${(CUSTOMERS - left + n).toLocaleString()} / ${CUSTOMERS.toLocaleString()} customers, ${((Date.now() - started) / 1000).toFixed(0)} s   `);
    }
    process.stderr.write('\n');
    for (const i of indexes) await c.query(i.indexdef);
    await c.query('DROP TABLE bench_base');
    // As autovacuum leaves a table in steady state: statistics, and the visibility map (index-only scans).
    await c.query('VACUUM (ANALYZE) crm_data.customer');
    await c.query('VACUUM (ANALYZE) crm_data.holding');
    console.log(`grown in SQL to ${CUSTOMERS.toLocaleString()} customers in ${((Date.now() - started) / 1000).toFixed(0)} s (indexes rebuilt)`);
  } finally {
    c.release();
  }
}

/** p50 / p95 of `a` and `b`, run interleaved (a, b, a, b, …) so that the machine's other work weighs on both alike. */
async function timedPair(a, b) {
  const times = [[], []];
  for (let i = 0; i < RUNS; i++) {
    for (const [k, fn] of [a, b].entries()) {
      const t0 = process.hrtime.bigint();
      await fn(i);
      times[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  return times.map((t) => {
    t.sort((x, y) => x - y);
    return { p50: percentile(t, 50), p95: percentile(t, 95) };
  });
}

const DRILL_REPORT = 'bank_customers_by_branch';
const DRILL_TARGET_MS = 300;

/**
 * One drill-down as the cockpit's viewer clicks it: the report opened (not timed), then four clicks,
 * each on the largest cell of the level shown — branch → sub-branch, → team, → customer manager, and
 * the customer manager's cell → the customer list behind it (its records filter, then the list's first
 * page with its total). Returns the time of each click in ms and whether the list total equals the cell.
 */
async function drillDown(base, token, filter) {
  const run = (drill) => api(base, 'POST', `/api/reports/${DRILL_REPORT}/run`, token, { filter, drill });
  const largest = (rows, key) => rows.filter((r) => r[key] !== null).sort((a, b) => b.customers - a.customers)[0];
  const ms = [];
  const click = async (fn) => {
    const t0 = process.hrtime.bigint();
    const out = await fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    return out;
  };
  let view = await run([]);
  const drill = [];
  for (const [key, next] of [['branch', 'sub_branch'], ['sub_branch', 'team'], ['team', 'cm']]) {
    drill.push({ field: key, value: largest(view.rows, key)[key] });
    view = await click(() => run(drill));
    if (view.hierarchies[0].current !== next) throw new Error(`the drill-down shows ${view.hierarchies[0].current}, not ${next}`);
  }
  const cell = largest(view.rows, 'cm');
  const list = await click(async () => {
    const f = await api(base, 'POST', `/api/reports/${DRILL_REPORT}/cell-filter`, token, { filter, drill, cell: { cm: cell.cm } });
    return api(base, 'GET', `/api/records/${f.object}?total=true&limit=50&filter=${encodeURIComponent(JSON.stringify(f.filter))}`, token);
  });
  return { ms, equal: list.total === cell.customers, cell: cell.customers, listed: list.total };
}

export async function run() {
  const db = await startPostgres();
  // A whole-bank pivot over millions of holdings on a busy machine outlasts the default 10 s statement timeout.
  const server = await startServer(db.url, { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '0', CRM_SECRET: SECRET, CRM_DATA_KEY: DATA_KEY, CRM_REPORTS_STATEMENT_TIMEOUT_MS: '120000' });
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  try {
    console.log(`loading the demo bank: ${CUSTOMERS.toLocaleString()} customers`);
    await loadBank(db.url);
    await growBank(pool);
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
        const [http, raw] = await timedPair(
          (i) => api(server.base, 'POST', `/api/reports/${r.key}/run`, token, { filter: { created_at: { $lt: bound(i) } } }),
          (i) => pool.query(handSql(r.key, unit, bound(i)).text, handSql(r.key, unit, bound(i)).params),
        );
        const ratio = http.p50 / raw.p50;
        console.log(
          `${r.name.padEnd(36)} as ${user.padEnd(10)} HTTP ${fmt(http.p50)} / ${fmt(http.p95)}   SQL ${fmt(raw.p50)} / ${fmt(raw.p95)}   ratio HTTP/SQL p50 ${fmt(ratio, 2)} (≤ 1.5: ${ratio <= 1.5 ? 'met' : 'missed'})` +
            `   rows ${first.rows.length}, total ${grand?.n}${same ? ' = SQL' : ` ≠ SQL ${sqlGrand?.n}`}; load ${machineLoad()}`,
        );
      }
    }
    // The drill-down, warm: two untimed passes, then RUNS timed ones, each with its own cache key — an
    // owner filter that keeps every row (`$ne` a new id; IS DISTINCT FROM keeps unowned rows too), on
    // the rollup's grain, so the report engine may answer from the rollup (a date filter would not).
    const manager = await login(server.base, 'manager');
    const filter = () => ({ owner_id: { $ne: randomUUID() } });
    for (let i = 0; i < 2; i++) await drillDown(server.base, manager, filter(-1 - i));
    const clicks = [[], [], [], []];
    let equal = true;
    let last;
    for (let i = 0; i < RUNS; i++) {
      last = await drillDown(server.base, manager, filter(i));
      last.ms.forEach((t, k) => clicks[k].push(t));
      equal &&= last.equal;
    }
    const all = clicks.flat().sort((a, b) => a - b);
    const names = ['branch → sub-branch', 'sub-branch → team', 'team → customer manager', 'customer manager → customer list'];
    for (const [k, times] of clicks.entries()) {
      times.sort((a, b) => a - b);
      console.log(`drill click ${k + 1} ${names[k].padEnd(33)} as manager    p50 ${fmt(percentile(times, 50))} / p95 ${fmt(percentile(times, 95))} ms`);
    }
    const p95 = percentile(all, 95);
    console.log(
      `drill-down (4 clicks × ${RUNS}, warm, uncached) as manager: p95 ${fmt(p95)} ms — target ≤ ${DRILL_TARGET_MS} ms ${p95 <= DRILL_TARGET_MS ? 'met' : 'missed'}; ` +
        `customer list total ${last.listed} ${equal ? '= the cell clicked' : `≠ the cell ${last.cell}`}; load ${machineLoad()}`,
    );
  } finally {
    await pool.end();
    await server.stop();
    await db.stop();
  }
}
