// `pnpm bench records`: form submissions through HTTP vs raw INSERTs, and a filtered sorted first page
// over 1,000,000 records vs the same hand-written SQL — each pair measured in the same run, same database.
import pg from 'pg';
import { api, fmt, httpFloor, loadFor, login, machineLoad, percentile, startPostgres, startServer } from './lib.mjs';
import { countQueries, queriesLine } from './query-counts.mjs';

const CLIENTS = 8;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);

const SUB_FIELDS = [
  { key: 'name', label: '姓名', type: 'text', required: true },
  { key: 'mobile', label: '手机', type: 'phone' },
  { key: 'amount', label: '金额', type: 'money' },
  { key: 'visit_date', label: '日期', type: 'date' },
  { key: 'channel', label: '渠道', type: 'select', options: { choices: [{ value: 'app', label: 'APP' }, { value: 'branch', label: '网点' }] } },
  { key: 'age', label: '年龄', type: 'integer' },
  { key: 'email', label: '邮箱', type: 'email' },
  { key: 'vip', label: 'VIP', type: 'boolean' },
];
const SUB_ROW = { name: '张伟', mobile: '13800138000', amount: '12345.67', visit_date: '2026-11-01', channel: 'app', age: 36, email: 'zw@example.com', vip: true };

const BIG_FIELDS = [
  ['name', 'text'], ['city', 'text'], ['district', 'text'], ['age', 'integer'], ['aum', 'money'], ['risk', 'text'], ['segment', 'text'],
  ['opened', 'date'], ['last_visit', 'datetime'], ['vip', 'boolean'], ['mobile', 'phone'], ['email', 'email'], ['score', 'decimal'],
  ['occupation', 'text'], ['industry', 'text'], ['kyc_status', 'text'], ['products', 'integer'], ['balance', 'money'], ['channel', 'text'], ['remark', 'textarea'],
].map(([key, type]) => ({ key, label: key, type, ...(type === 'decimal' ? { options: { precision: 8, scale: 2 } } : {}) }));

async function submissions(server, dbUrl) {
  const token = await login(server.base, 'analyst');
  await api(server.base, 'POST', '/api/meta/objects', token, { key: 'bench_sub', label: '提交测试', fields: SUB_FIELDS });
  await api(server.base, 'POST', '/api/meta/forms', token, { key: 'bench_sub_form', object: 'bench_sub', title: '提交测试', layout: [{ type: 'section', items: SUB_FIELDS.map((f) => ({ field: f.key })) }], rules: [{ when: 'amount > 100000', require: ['email'] }] });
  await api(server.base, 'POST', '/api/meta/forms/bench_sub_form/publish', token);
  const body = JSON.stringify(SUB_ROW);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const submit = async () => {
    const r = await fetch(`${server.base}/api/forms/bench_sub_form/submit`, { method: 'POST', headers, body });
    if (r.status !== 201) throw new Error(`submit → ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  };
  for (let i = 0; i < 50; i++) await submit();
  const counts = await countQueries(server.base);
  const httpOps = await loadFor(SECONDS * 1000, CLIENTS, submit);
  const submitQueries = await counts.perRequest('POST', '/api/forms/:key/submit');

  const pool = new pg.Pool({ connectionString: dbUrl, max: CLIENTS });
  const user = (await pool.query(`SELECT id, org_unit_id FROM crm.users WHERE username = 'analyst'`)).rows[0];
  const insert = `INSERT INTO crm_data.bench_sub (created_by, updated_by, owner_id, org_unit_id, form_key, form_version, name, mobile, amount, visit_date, channel, age, email, vip)
                  VALUES ($1, $1, $1, $2, 'bench_sub_form', 1, $3, $4, $5, $6, $7, $8, $9, $10)`;
  const values = [user.id, user.org_unit_id, SUB_ROW.name, SUB_ROW.mobile, SUB_ROW.amount, SUB_ROW.visit_date, SUB_ROW.channel, SUB_ROW.age, SUB_ROW.email, SUB_ROW.vip];
  const rawOps = await loadFor(SECONDS * 1000, CLIENTS, () => pool.query(insert, values));
  await pool.end();
  const floor = await httpFloor(server.base, token, SECONDS, CLIENTS);
  const http = httpOps / SECONDS;
  const raw = rawOps / SECONDS;
  console.log(`form submissions via HTTP, ${CLIENTS} clients: ${fmt(http)}/s (validated, audited, one transaction each)`);
  console.log(`raw pg INSERT of the same row, ${CLIENTS} clients: ${fmt(raw)}/s`);
  console.log(`ratio HTTP / raw: ${fmt(http / raw, 2)}  (target ≥ 0.5)  load ${machineLoad()}`);
  console.log(`HTTP floor (GET /api/auth/me, one small query), ${CLIENTS} clients: ${fmt(floor)}/s → ceiling of the ratio here ${fmt(floor / raw, 2)}; submissions reach ${fmt((100 * http) / floor)} % of the floor`);
  console.log(queriesLine('form submission', submitQueries));
}

async function firstPage(server, dbUrl) {
  const token = await login(server.base, 'analyst');
  await api(server.base, 'POST', '/api/meta/objects', token, { key: 'bench_big', label: '大表', fields: BIG_FIELDS });
  const pool = new pg.Pool({ connectionString: dbUrl, max: 4 });
  const user = (await pool.query(`SELECT id, org_unit_id FROM crm.users WHERE username = 'analyst'`)).rows[0];
  const t0 = Date.now();
  const cities = `(ARRAY['上海','北京','杭州','深圳','广州','南京','苏州','成都','武汉','西安'])`;
  const batch = 100_000;
  for (let from = 0; from < ROWS; from += batch) {
    const to = Math.min(ROWS, from + batch);
    await pool.query(`
      INSERT INTO crm_data.bench_big (created_at, updated_at, created_by, updated_by, owner_id, org_unit_id, name, city, district, age, aum, risk, segment, opened, last_visit, vip, mobile, email, score, occupation, industry, kyc_status, products, balance, channel, remark)
      SELECT now() - (g || ' seconds')::interval, now(), $1, $1, $1, $2, '客户' || g, ${cities}[1 + g % 10], '区' || (g % 17), 18 + g % 60,
             ((g::bigint * 7919) % 5000000)::numeric(20,2), (ARRAY['low','medium','high'])[1 + g % 3], (ARRAY['mass','affluent','private'])[1 + (g / 7) % 3],
             date '2010-01-01' + (g % 5000), now() - ((g % 1000) || ' days')::interval, g % 9 = 0, '138' || lpad((g % 100000000)::text, 8, '0'),
             'c' || g || '@example.com', (g % 10000) / 100.0, '职业' || (g % 30), '行业' || (g % 20), (ARRAY['valid','pending','expired'])[1 + g % 3],
             g % 6, ((g::bigint * 31) % 1000000)::numeric(20,2), (ARRAY['app','branch','wechat'])[1 + g % 3], NULL
      FROM generate_series($3::int, $4::int - 1) g`, [user.id, user.org_unit_id, from, to]);
    process.stdout.write(`\rloading ${to.toLocaleString()} / ${ROWS.toLocaleString()} rows`);
  }
  await pool.query('CREATE INDEX bench_big_city_created ON crm_data.bench_big (city, created_at DESC, id DESC)');
  await pool.query('ANALYZE crm_data.bench_big');
  console.log(`\nloaded ${ROWS.toLocaleString()} rows of a 20-field object in ${fmt((Date.now() - t0) / 1000)} s`);

  // Analysts see their own records: the same owner condition is in the hand-written SQL.
  const filter = { city: '上海', aum: { $gte: '1000000' }, risk: { $in: ['low', 'medium'] } };
  const qs = new URLSearchParams({ filter: JSON.stringify(filter), sort: '-created_at', limit: '50' }).toString();
  const headers = { authorization: `Bearer ${token}` };
  const sql = `SELECT t.* FROM crm_data.bench_big t WHERE t.deleted_at IS NULL AND t.owner_id = $1 AND t.city = $2 AND t.aum >= $3 AND t.risk = ANY($4)
               ORDER BY t.created_at DESC, t.id DESC LIMIT 51`;
  const params = [user.id, '上海', '1000000', ['low', 'medium']];
  const runs = Number(process.env.BENCH_QUERIES ?? 300);
  const timeHttp = async () => {
    const s = performance.now();
    const r = await fetch(`${server.base}/api/records/bench_big?${qs}`, { headers });
    const body = await r.json();
    if (r.status !== 200 || body.items.length !== 50) throw new Error(`query → ${r.status}`);
    return performance.now() - s;
  };
  const client = await pool.connect();
  const timeSql = async () => {
    const s = performance.now();
    const r = await client.query(sql, params);
    if (r.rows.length !== 51) throw new Error('sql');
    return performance.now() - s;
  };
  // The latency floor of any authenticated API answer here: GET /api/auth/me (one small query for the org unit).
  const timeFloor = async () => {
    const t = performance.now();
    const r = await fetch(`${server.base}/api/auth/me`, { headers });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`me → ${r.status}`);
    return performance.now() - t;
  };
  for (let i = 0; i < 30; i++) {
    await timeHttp();
    await timeSql();
    await timeFloor();
  }
  const timeTrivial = async () => {
    const t = performance.now();
    await client.query('SELECT 1');
    return performance.now() - t;
  };
  const h = [];
  const s = [];
  const f = [];
  const one = [];
  const counts = await countQueries(server.base);
  // Interleaved, so all see the same cache and machine state.
  for (let i = 0; i < runs; i++) {
    h.push(await timeHttp());
    s.push(await timeSql());
    f.push(await timeFloor());
    one.push(await timeTrivial());
  }
  const pageQueries = await counts.perRequest('GET', '/api/records/:object');
  client.release();
  await pool.end();
  h.sort((a, b) => a - b);
  s.sort((a, b) => a - b);
  f.sort((a, b) => a - b);
  one.sort((a, b) => a - b);
  console.log(`first page (50 of ${ROWS.toLocaleString()}, filtered and sorted) via HTTP: p50 ${fmt(percentile(h, 50), 2)} ms, p95 ${fmt(percentile(h, 95), 2)} ms`);
  console.log(`same hand-written SQL via pg:                     p50 ${fmt(percentile(s, 50), 2)} ms, p95 ${fmt(percentile(s, 95), 2)} ms`);
  console.log(`ratio p50 HTTP / SQL: ${fmt(percentile(h, 50) / percentile(s, 50), 2)}  (target ≤ 1.3); p95: ${fmt(percentile(h, 95) / percentile(s, 95), 2)}`);
  const [f50, s50, one50] = [percentile(f, 50), percentile(s, 50), percentile(one, 50)];
  console.log(`latency floor (GET /api/auth/me: HTTP, authentication, one small query), same loop: p50 ${fmt(f50, 2)} ms; SELECT 1 via pg p50 ${fmt(one50, 2)} ms → a page costs at least SQL + floor − SELECT 1: the ratio cannot drop below ≈ ${fmt((s50 + f50 - one50) / s50, 2)}  load ${machineLoad()}`);
  console.log(queriesLine('first page', pageQueries));
}

export async function run() {
  const db = await startPostgres();
  const server = await startServer(db.url);
  try {
    await submissions(server, db.url);
    await firstPage(server, db.url);
  } finally {
    await server.stop();
    await db.stop();
  }
}
