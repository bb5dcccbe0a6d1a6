/**
 * The records behind a report cell and drill hierarchies, on the demo bank against the real server and
 * PostgreSQL: for cells grouped by an org-tree level through a relation path, by a related record's
 * owner, by a month bucket and by a select value — their subtotals too — the records list with the filter
 * `POST /api/reports/:key/cell-filter` answers has exactly as many rows as the cell counts, for a scoped
 * branch manager, a customer manager and compliance. Hierarchies (branch → sub-branch → team → customer
 * manager; year → quarter → month; product category → product) show the next level under a drill-down,
 * each level adding up to the cell clicked. The records filter's relation paths and grouping operators
 * are attacked like the records API: masked / hidden fields, unreadable hops, bad operands.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiError } from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';
import { as, login, refused, typed } from '../harness/http.js';
import { withClient } from '../harness/db.js';

type Client = Awaited<ReturnType<typeof as>>;
type Row = Record<string, any>;
let srv: TestServer;
let analyst: Client, rm: Client, compliance: Client, manager: Client, auditor: Client, security: Client;

const sql = <T extends Row = Row>(text: string, params: unknown[] = []) => withClient(srv.dbUrl, async (c) => (await c.query<T>(text, params)).rows);

/** The number of records the records list answers for a filter, as the client. */
async function listTotal(c: Client, object: string, filter: unknown): Promise<number> {
  const r = await c.get(`/api/records/${object}?total=true&limit=1&filter=${encodeURIComponent(JSON.stringify(filter))}`);
  expect([JSON.stringify(filter).slice(0, 300), r.status]).toEqual([JSON.stringify(filter).slice(0, 300), 200]);
  return r.body.total;
}

/** Every dimension value of a row (what a click on its cell sends). */
function cellOf(row: Row, dims: string[]): Row {
  return Object.fromEntries(dims.filter((d) => d in row).map((d) => [d, row[d]]));
}

const CELLS = {
  key: 'cells_holding',
  name: { 'zh-CN': '持仓明细核对', en: 'Holdings by branch, owner, month, category' },
  object: 'holding',
  measures: [{ key: 'n', agg: 'count' }, { key: 'balance', agg: 'sum', field: 'balance' }, { key: 'with_maturity', agg: 'count', field: 'maturity_date' }],
  dimensions: [
    { field: 'customer.org_unit_id', level: 2, key: 'branch' },
    { field: 'customer.owner_id', key: 'cm' },
    { field: 'opened_at', bucket: 'month', key: 'month' },
    { field: 'category' },
  ],
  filter: { opened_at: { $within: 'last 3 years' } },
  pivot: { rows: ['branch', 'cm', 'month'], columns: ['category'] },
};

const HIERARCHY = {
  key: 'customers_by_branch',
  name: { 'zh-CN': '客户数（机构下钻）', en: 'Customers by branch (drill)' },
  object: 'customer',
  measures: [{ key: 'n', agg: 'count' }, { key: 'aum', agg: 'sum', field: 'aum' }],
  dimensions: [{ field: 'org_unit_id', level: 2, key: 'branch', label: { 'zh-CN': '分行', en: 'Branch' } }, { field: 'segment' }],
  hierarchies: [
    {
      key: 'org',
      levels: [
        { field: 'org_unit_id', level: 2, key: 'branch', label: { 'zh-CN': '分行', en: 'Branch' } },
        { field: 'org_unit_id', level: 3, key: 'sub_branch', label: { 'zh-CN': '支行', en: 'Sub-branch' } },
        { field: 'org_unit_id', level: 4, key: 'team', label: { 'zh-CN': '团队', en: 'Team' } },
        { field: 'owner_id', key: 'cm', label: { 'zh-CN': '客户经理', en: 'Customer manager' } },
      ],
    },
  ],
  pivot: { rows: ['branch'], columns: ['segment'] },
};

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '300' }, timeoutMs: 150000 });
  [analyst, rm, compliance, manager, auditor, security] = await Promise.all(['analyst', 'rm', 'compliance', 'manager', 'auditor', 'security'].map((u) => as(srv.baseUrl, u)));
  for (const def of [CELLS, HIERARCHY]) expect((await analyst.post('/api/reports', def)).status).toBe(201);
}, 180000);
afterAll(async () => {
  await srv?.stop();
});

describe('the records behind a cell', () => {
  it.each(['manager', 'compliance', 'rm'])('lists exactly the rows of each cell and subtotal, as %s', async (who) => {
    const c = { manager, compliance, rm }[who]!;
    const run = await c.post('/api/reports/cells_holding/run', {});
    expect(run.status).toBe(200);
    const dims = ['branch', 'cm', 'month', 'category'];
    const rows: Row[] = run.body.rows;
    const totals: Row[] = run.body.totals;
    expect(rows.length).toBeGreaterThan(1);
    // Cells with a null value, the largest and smallest ones, a few in between, and subtotals of each depth.
    const picked = [
      ...rows.filter((r) => r.cm === null || r.branch === null).slice(0, 2),
      ...[...rows].sort((a, b) => b.n - a.n).slice(0, 2),
      ...rows.filter((_, i) => i % Math.max(1, Math.floor(rows.length / 4)) === 0).slice(0, 4),
      ...[1, 2, 3, 4].map((k) => totals.find((t) => t.$collapsed.length === k)).filter(Boolean),
    ] as Row[];
    expect(picked.length).toBeGreaterThanOrEqual(8);
    for (const cell of picked) {
      const f = await c.post('/api/reports/cells_holding/cell-filter', { cell: cellOf(cell, dims) });
      expect(f.status).toBe(200);
      expect(f.body.object).toBe('holding');
      expect([JSON.stringify(cellOf(cell, dims)), await listTotal(c, 'holding', f.body.filter)]).toEqual([JSON.stringify(cellOf(cell, dims)), cell.n]);
    }
    // A count of a field lists only the rows where it is set.
    const withMaturity = rows.find((r) => r.with_maturity > 0 && r.with_maturity < r.n);
    if (withMaturity) {
      const f = await c.post('/api/reports/cells_holding/cell-filter', { cell: cellOf(withMaturity, dims), measure: 'with_maturity' });
      expect(await listTotal(c, 'holding', f.body.filter)).toBe(withMaturity.with_maturity);
    }
    // With a run filter (a relation path) and a drill-down, the same: the run's answer and the list agree.
    const opts = { filter: { 'customer.segment': { $in: ['mass', 'affluent'] } }, drill: [{ field: 'category', value: rows[0]!.category }] };
    const narrowed = await c.post('/api/reports/cells_holding/run', opts);
    expect(narrowed.status).toBe(200);
    const grand = narrowed.body.totals.find((t: Row) => t.$collapsed.length === 4);
    const all = await c.post('/api/reports/cells_holding/cell-filter', { ...opts, cell: {} });
    expect(await listTotal(c, 'holding', all.body.filter)).toBe(grand?.n ?? 0);
    for (const cell of narrowed.body.rows.slice(0, 3)) {
      const f = await c.post('/api/reports/cells_holding/cell-filter', { ...opts, cell: cellOf(cell, dims) });
      expect(await listTotal(c, 'holding', f.body.filter)).toBe(cell.n);
    }
  });

  it('says the filter in the records filter language: grouping operators for levels and buckets, relation paths', async () => {
    const run = await compliance.post('/api/reports/cells_holding/run', {});
    const cell = run.body.rows.find((r: Row) => r.branch && r.cm && r.month);
    const f = await compliance.post('/api/reports/cells_holding/cell-filter', { cell: cellOf(cell, ['branch', 'cm', 'month', 'category']) });
    const text = JSON.stringify(f.body.filter);
    expect(text).toContain(JSON.stringify({ 'customer.org_unit_id': { $orgLevel: { level: 2, value: cell.branch } } }));
    expect(text).toContain(JSON.stringify({ 'customer.owner_id': cell.cm }));
    expect(text).toContain(JSON.stringify({ opened_at: { $bucket: { unit: 'month', value: cell.month } } }));
    // The definition's relative date became plain bounds.
    expect(text).toMatch(/"opened_at":\{"\$gte":"\d{4}-\d{2}-\d{2}","\$lt":"\d{4}-\d{2}-\d{2}"\}/);
    // The same filter through the typed client and the POST query route.
    const api = typed(srv.baseUrl, await login(srv.baseUrl, 'compliance'));
    const again = await api.reports.cellFilter('cells_holding', { cell: cellOf(cell, ['branch', 'cm', 'month', 'category']) });
    expect(again).toEqual(f.body);
    const page = await api.records.query('holding', { filter: again.filter, total: true, limit: 1 });
    expect(page.total).toBe(cell.n);
    const [want] = await sql(`SELECT count(*)::int AS n FROM crm_data.holding h JOIN crm_data.customer c ON c.id = h.customer AND c.deleted_at IS NULL
      JOIN crm.org_units ou ON ou.id = c.org_unit_id WHERE h.deleted_at IS NULL AND ou.path[2] = $1 AND c.owner_id = $2 AND to_char(h.opened_at, 'YYYY-MM') = $3 AND h.category = $4`,
    [cell.branch, cell.cm, cell.month, cell.category]);
    expect(cell.n).toBe(want!.n);
  });

  it('refuses cells and measures the answer does not have, and reports the caller may not read', async () => {
    const bad = await compliance.post('/api/reports/cells_holding/cell-filter', { cell: { segment: 'mass' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ path: '/cell/segment', code: 'unknown_dimension' });
    expect((await compliance.post('/api/reports/cells_holding/cell-filter', { cell: {}, measure: 'nope' })).status).toBe(400);
    expect((await compliance.post('/api/reports/cells_holding/cell-filter', { cell: {}, extra: 1 })).status).toBe(400);
    expect((await compliance.post('/api/reports/cells_holding/cell-filter', {})).status).toBe(400);
    expect((await compliance.post('/api/reports/nope/cell-filter', { cell: {} })).status).toBe(404);
    // The auditor reads no holdings: no existence oracle.
    expect((await auditor.post('/api/reports/cells_holding/cell-filter', { cell: {} })).status).toBe(404);
    const e = await refused(typed(srv.baseUrl, await login(srv.baseUrl, 'auditor')).reports.cellFilter('cells_holding', { cell: {} }));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(404);
  });
});

describe('relation paths and grouping operators in the records filter', () => {
  it('reads a related field only as the caller may: masked, sensitive, hidden fields and unreadable hops are unknown', async () => {
    const q = (c: Client, filter: unknown) => c.post('/api/records/holding/query', { filter, total: true, limit: 1 });
    // Customer managers see ID numbers masked (level 3 without unmask): no filter on them, through a path either.
    const masked = await q(rm, { 'customer.id_number': '110101199003070011' });
    expect(masked.status).toBe(400);
    expect(masked.body.error.details[0]).toMatchObject({ code: 'unknown_field', path: '/customer.id_number' });
    expect((await q(rm, { 'customer.mobile': { $null: false } })).status).toBe(400);
    for (const bad of [
      { 'customer.nope': 1 }, { 'nope.segment': 'mass' }, { 'category.segment': 'mass' }, { 'customer.segment.x': 1 },
      { 'customer.owner_id.a.b.c.d': 1 }, { 'Customer.segment': 'mass' }, { 'customer.segment; DROP TABLE x': 1 },
    ]) {
      const r = await q(compliance, bad);
      expect([JSON.stringify(bad), r.status]).toEqual([JSON.stringify(bad), 400]);
    }
    // The auditor is lent holdings only: a hop into customers they may not read is unknown; a hidden field too.
    expect((await security.patch('/api/admin/roles/auditor', {
      permissions: [{ object: 'holding', actions: ['read'], scope: 'all' }],
    })).status).toBe(200);
    try {
      expect((await q(auditor, {})).status).toBe(200);
      expect((await q(auditor, { 'customer.segment': 'mass' })).body.error.details[0]).toMatchObject({ code: 'unknown_field' });
      expect((await security.patch('/api/admin/roles/auditor', {
        permissions: [{ object: 'holding', actions: ['read'], scope: 'all', fields: { customer: 'none' } }, { object: 'customer', actions: ['read'], scope: 'all', fields: { segment: 'none' } }],
      })).status).toBe(200);
      expect((await q(auditor, { 'customer.risk_level': 'low' })).status).toBe(400);
      expect((await security.patch('/api/admin/roles/auditor', {
        permissions: [{ object: 'holding', actions: ['read'], scope: 'all' }, { object: 'customer', actions: ['read'], scope: 'all', fields: { segment: 'none' } }],
      })).status).toBe(200);
      expect((await q(auditor, { 'customer.segment': 'mass' })).status).toBe(400);
      expect((await q(auditor, { 'customer.risk_level': 'low' })).status).toBe(200);
    } finally {
      expect((await security.patch('/api/admin/roles/auditor', { permissions: [] })).status).toBe(200);
    }
  });

  it("sees a related record outside the caller's scope as empty, and matches the database for in-scope ones", async () => {
    // The manager's holdings: a related customer outside their subtree reads as empty, as in their reports.
    const all = await listTotal(manager, 'holding', {});
    const set = await listTotal(manager, 'holding', { 'customer.segment': { $null: false } });
    const unset = await listTotal(manager, 'holding', { 'customer.segment': null });
    expect(set + unset).toBe(all);
    const [home] = await sql(`SELECT u.org_unit_id::text AS ou FROM crm.users u WHERE u.username = 'manager'`);
    const [want] = await sql(`SELECT count(*)::int AS n FROM crm_data.holding h JOIN crm_data.customer c ON c.id = h.customer AND c.deleted_at IS NULL
      WHERE h.deleted_at IS NULL AND c.segment IS NOT NULL
      AND h.org_unit_id IN (SELECT id FROM crm.org_units WHERE $1::uuid = ANY(path)) AND c.org_unit_id IN (SELECT id FROM crm.org_units WHERE $1::uuid = ANY(path))`, [home!.ou]);
    expect(set).toBe(want!.n);
    // Two hops: holding → customer → owner's org unit is not a relation; holding → product → category is.
    const [p] = await sql(`SELECT count(*)::int AS n FROM crm_data.holding h JOIN crm_data.product p ON p.id = h.product AND p.deleted_at IS NULL WHERE h.deleted_at IS NULL AND p.category = h.category`);
    expect(p!.n).toBeGreaterThan(0);
    const cats = await sql(`SELECT DISTINCT category FROM crm_data.product WHERE deleted_at IS NULL AND category IS NOT NULL`);
    const byProduct = await listTotal(compliance, 'holding', { 'product.category': { $in: cats.map((x) => x.category) } });
    const [withProduct] = await sql(`SELECT count(*)::int AS n FROM crm_data.holding h JOIN crm_data.product p ON p.id = h.product AND p.deleted_at IS NULL WHERE h.deleted_at IS NULL AND p.category IS NOT NULL`);
    expect(byProduct).toBe(withProduct!.n);
  });

  it('checks the operands of $bucket and $orgLevel', async () => {
    const q = (filter: unknown) => compliance.post('/api/records/holding/query', { filter, limit: 1 });
    for (const bad of [
      { opened_at: { $bucket: { unit: 'decade', value: '2020' } } }, { opened_at: { $bucket: { unit: 'month' } } }, { opened_at: { $bucket: 'month' } },
      { category: { $bucket: { unit: 'month', value: '2026-01' } } }, { opened_at: { $bucket: { unit: 'month', value: '2026-01', x: 1 } } },
      { org_unit_id: { $orgLevel: { level: 0, value: null } } }, { org_unit_id: { $orgLevel: { level: 2, value: 'not-a-uuid' } } },
      { category: { $orgLevel: { level: 2, value: null } } }, { org_unit_id: { $orgLevel: { level: '2', value: null } } },
      { 'customer.id_number': { $bucket: { unit: 'month', value: '2026-01' } } },
    ]) {
      const r = await q(bad);
      expect([JSON.stringify(bad), r.status]).toEqual([JSON.stringify(bad), 400]);
    }
    const [year] = await sql(`SELECT to_char(opened_at, 'YYYY') AS y, count(*)::int AS n FROM crm_data.holding WHERE deleted_at IS NULL AND opened_at IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 1`);
    expect(await listTotal(compliance, 'holding', { opened_at: { $bucket: { unit: 'year', value: year!.y } } })).toBe(year!.n);
    // created_at is a date-time: its bucket is the Beijing day.
    const [day] = await sql(`SELECT to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS d, count(*)::int AS n FROM crm_data.holding WHERE deleted_at IS NULL GROUP BY 1 LIMIT 1`);
    expect(await listTotal(compliance, 'holding', { created_at: { $bucket: { unit: 'day', value: day!.d } } })).toBe(day!.n);
  });
});

describe('drill hierarchies', () => {
  it('drills a branch manager from branch to sub-branch to team to customer manager, each level adding up to the cell, and lists the customers', async () => {
    const top = await manager.post('/api/reports/customers_by_branch/run', {});
    expect(top.status).toBe(200);
    expect(top.body.hierarchies).toEqual([expect.objectContaining({ key: 'org', base: 'branch', depth: 0, current: 'branch' })]);
    expect(top.body.hierarchies[0].levels.map((l: Row) => l.label)).toEqual(['分行', '支行', '团队', '客户经理']);
    const rowTotal = (a: Row, key: string, v: unknown) => a.body.totals.find((t: Row) => t.$collapsed.join() === 'segment' && t[key] === v);
    const branch = top.body.totals.filter((t: Row) => t.$collapsed.join() === 'segment' && t.branch).sort((a: Row, b: Row) => b.n - a.n)[0];
    expect(branch).toBeTruthy();
    const drill: Row[] = [{ field: 'branch', value: branch.branch }];
    let cell = branch;
    for (const [key, next] of [['branch', 'sub_branch'], ['sub_branch', 'team'], ['team', 'cm']] as const) {
      const r = await manager.post('/api/reports/customers_by_branch/run', { drill });
      expect(r.status).toBe(200);
      expect(r.body.hierarchies[0]).toMatchObject({ depth: drill.length, current: next });
      expect(r.body.columns.map((c: Row) => c.key)).toEqual([next, 'segment', 'n', 'aum']);
      const levelTotals = r.body.totals.filter((t: Row) => t.$collapsed.join() === 'segment');
      // The next level adds up to the cell clicked.
      expect([key, levelTotals.reduce((a: number, t: Row) => a + t.n, 0)]).toEqual([key, cell.n]);
      cell = levelTotals.filter((t: Row) => t[next]).sort((a: Row, b: Row) => b.n - a.n)[0] ?? levelTotals[0];
      drill.push({ field: next, value: cell[next] });
      void rowTotal;
    }
    // The last level: a customer manager's cell opens the customer list, its total the cell.
    const leaf = await manager.post('/api/reports/customers_by_branch/run', { drill: drill.slice(0, -1) });
    const cmCell = leaf.body.rows.find((r: Row) => r.cm === cell.cm);
    const f = await manager.post('/api/reports/customers_by_branch/cell-filter', { drill: drill.slice(0, -1), cell: { cm: cmCell.cm, segment: cmCell.segment } });
    expect(f.status).toBe(200);
    expect(f.body.object).toBe('customer');
    expect(await listTotal(manager, 'customer', f.body.filter)).toBe(cmCell.n);
    const whole = await manager.post('/api/reports/customers_by_branch/cell-filter', { drill: drill.slice(0, -1), cell: { cm: cell.cm } });
    expect(await listTotal(manager, 'customer', whole.body.filter)).toBe(cell.n);
    // The team implies its sub-branch and branch: only the deepest org-unit condition is left. A drill
    // whose levels disagree (the team under another branch) keeps them all and lists nothing, like its cell.
    expect(JSON.stringify(whole.body.filter).match(/"level":\d/g)).toEqual(['"level":4']);
    const [elsewhere] = await sql(`SELECT id::text AS id FROM crm.org_units WHERE cardinality(path) = 2 AND id <> $1::uuid LIMIT 1`, [branch.branch]);
    const mixed = await manager.post('/api/reports/customers_by_branch/cell-filter', { drill: [{ field: 'branch', value: elsewhere!.id }, ...drill.slice(1, -1)], cell: { cm: cell.cm } });
    expect(JSON.stringify(mixed.body.filter).match(/"level":\d/g)).toEqual(['"level":2', '"level":3', '"level":4']);
    expect(await listTotal(manager, 'customer', mixed.body.filter)).toBe(0);
    // Past the last level the last level stays shown, narrowed to the value.
    const past = await manager.post('/api/reports/customers_by_branch/run', { drill });
    expect(past.body.hierarchies[0]).toMatchObject({ depth: 4, current: 'cm' });
    expect(past.body.totals.find((t: Row) => t.$collapsed.length === 2).n).toBe(cell.n);
  });

  it("gives a customer manager the same report over their own customers only", async () => {
    const mine = await rm.post('/api/reports/customers_by_branch/run', {});
    expect(mine.status).toBe(200);
    const grand = mine.body.totals.find((t: Row) => t.$collapsed.length === 2);
    expect(grand.n).toBe(await listTotal(rm, 'customer', {}));
    const [{ team }] = await sql(`SELECT org_unit_id::text AS team FROM crm.users WHERE username = 'rm'`);
    const [want] = await sql(`SELECT count(*)::int AS n FROM crm_data.customer WHERE deleted_at IS NULL AND owner_id IN (SELECT id FROM crm.users WHERE org_unit_id = $1)`, [team]);
    expect(grand.n).toBe(want!.n);
    const all = await compliance.post('/api/reports/customers_by_branch/run', {});
    expect(grand.n).toBeLessThan(all.body.totals.find((t: Row) => t.$collapsed.length === 2).n);
    // Drilling into a branch that is not theirs shows nothing of it.
    const [other] = await sql(`SELECT ou.path[2]::text AS b FROM crm_data.customer c JOIN crm.org_units ou ON ou.id = c.org_unit_id
      WHERE c.deleted_at IS NULL AND c.owner_id NOT IN (SELECT id FROM crm.users WHERE org_unit_id = $1) AND ou.path[2] IS NOT NULL
      AND ou.path[2] NOT IN (SELECT ou2.path[2] FROM crm_data.customer c2 JOIN crm.org_units ou2 ON ou2.id = c2.org_unit_id WHERE c2.owner_id IN (SELECT id FROM crm.users WHERE org_unit_id = $1) AND ou2.path[2] IS NOT NULL) LIMIT 1`, [team]);
    if (other) {
      const foreign = await rm.post('/api/reports/customers_by_branch/run', { drill: [{ field: 'branch', value: other.b }] });
      expect(foreign.body.rows).toEqual([]);
      const f = await rm.post('/api/reports/customers_by_branch/cell-filter', { cell: { branch: other.b } });
      expect(await listTotal(rm, 'customer', f.body.filter)).toBe(0);
    }
  });

  it('answers an org unit × owner report from the rollup, equal to the records, for each viewer and after every kind of write', async () => {
    // The cockpit's report (counts, a sum, a FEEL measure; branch → … → customer manager) fits the rollup;
    // a date filter that keeps every row makes the same run read the records: both must agree.
    const key = 'bank_customers_by_branch';
    let n = 0;
    const viaRollup = (c: Client, drill: Row[] = []) => c.post(`/api/reports/${key}/run`, { filter: { owner_id: { $ne: randomUUID() } }, drill });
    const viaRecords = (c: Client, drill: Row[] = []) => c.post(`/api/reports/${key}/run`, { filter: { created_at: { $lt: new Date(Date.UTC(2200, 0, 1) + ++n * 1000).toISOString() } }, drill });
    const agree = async (label: string, c: Client, drill: Row[] = []) => {
      const [a, b] = await Promise.all([viaRollup(c, drill), viaRecords(c, drill)]);
      expect([label, a.status, b.status]).toEqual([label, 200, 200]);
      expect([label, a.body.rows, a.body.totals]).toEqual([label, b.body.rows, b.body.totals]);
      return a.body;
    };
    const top = await agree('manager', manager);
    expect(await sql(`SELECT object_key, fields FROM crm.report_rollups`)).toEqual([{ object_key: 'customer', fields: expect.arrayContaining(['aum']) }]);
    const branch = top.rows[0].branch;
    await agree('manager, a branch', manager, [{ field: 'branch', value: branch }]);
    const mine = await agree('customer manager', rm);
    expect(mine.totals[0].customers).toBe(await listTotal(rm, 'customer', {}));
    await agree('compliance', compliance);

    // Writes of every kind, through the API and in SQL: the rollup follows each at commit.
    const [{ id: rmId, org_unit_id: rmUnit }] = await sql(`SELECT id::text, org_unit_id::text FROM crm.users WHERE username = 'rm'`);
    const created = await rm.api.records.create('customer', { customer_type: 'individual', name: '汇总测试客户' });
    const some = await sql(`SELECT id::text FROM crm_data.customer WHERE deleted_at IS NULL ORDER BY id LIMIT 3`);
    await sql(`UPDATE crm_data.customer SET aum = aum + 0.01 WHERE id = $1`, [some[0]!.id]);
    await sql(`UPDATE crm_data.customer SET owner_id = $2, org_unit_id = $3 WHERE id = $1`, [some[1]!.id, rmId, rmUnit]);
    await sql(`UPDATE crm_data.customer SET aum = NULL WHERE id = $1`, [some[2]!.id]);
    await sql(`UPDATE crm_data.customer SET aum = 1234.56 WHERE id = $1`, [created.id]);
    await agree('customer manager, a new customer', rm);
    await sql(`UPDATE crm_data.customer SET deleted_at = now() WHERE id = ANY($1::uuid[])`, [[some[0]!.id, created.id]]);
    for (const [label, c] of [['manager', manager], ['customer manager', rm], ['compliance', compliance]] as const) await agree(`${label} after writes`, c);
    await agree('manager, a branch, after writes', manager, [{ field: 'branch', value: branch }]);
  });

  it('drills year → quarter → month and product category → product on holdings', async () => {
    const def = {
      key: 'holdings_time', name: 'h', object: 'holding', measures: [{ key: 'n', agg: 'count' }, { key: 'balance', agg: 'sum', field: 'balance' }],
      dimensions: [{ field: 'opened_at', bucket: 'year', key: 'year' }, { field: 'product.category', key: 'product_category' }],
      hierarchies: [
        { key: 'time', levels: [{ field: 'opened_at', bucket: 'year', key: 'year' }, { field: 'opened_at', bucket: 'quarter', key: 'quarter' }, { field: 'opened_at', bucket: 'month', key: 'month' }] },
        { key: 'product', levels: [{ field: 'product.category', key: 'product_category' }, { field: 'product', key: 'product' }] },
      ],
      pivot: { rows: ['year'], columns: ['product_category'] },
    };
    expect((await analyst.post('/api/reports', def)).status).toBe(201);
    const top = await compliance.post('/api/reports/holdings_time/run', {});
    expect(top.body.hierarchies.map((h: Row) => h.current)).toEqual(['year', 'product_category']);
    const year = top.body.totals.filter((t: Row) => t.$collapsed.join() === 'product_category' && t.year).sort((a: Row, b: Row) => b.n - a.n)[0];
    const q = await compliance.post('/api/reports/holdings_time/run', { drill: [{ field: 'year', value: year.year }] });
    expect(q.body.columns.map((c: Row) => c.key)).toEqual(['quarter', 'product_category', 'n', 'balance']);
    const quarters = q.body.totals.filter((t: Row) => t.$collapsed.join() === 'product_category');
    expect(quarters.every((t: Row) => t.quarter.startsWith(`${year.year}-Q`))).toBe(true);
    expect(quarters.reduce((a: number, t: Row) => a + t.n, 0)).toBe(year.n);
    const quarter = quarters[0];
    const drill = [{ field: 'year', value: year.year }, { field: 'quarter', value: quarter.quarter }];
    const m = await compliance.post('/api/reports/holdings_time/run', { drill });
    const months = m.body.totals.filter((t: Row) => t.$collapsed.join() === 'product_category');
    expect(months.reduce((a: number, t: Row) => a + t.n, 0)).toBe(quarter.n);
    // Both hierarchies at once: a month × product cell, and its records.
    const cat = m.body.rows[0];
    const both = await compliance.post('/api/reports/holdings_time/run', { drill: [...drill, { field: 'product_category', value: cat.product_category }] });
    expect(both.body.hierarchies.map((h: Row) => h.current)).toEqual(['month', 'product']);
    expect(both.body.totals.find((t: Row) => t.$collapsed.length === 2).n).toBe(m.body.totals.filter((t: Row) => t.$collapsed.join() === 'month' && t.product_category === cat.product_category)[0].n);
    const cell = both.body.rows[0];
    expect(typeof both.body.columns.find((c: Row) => c.key === 'product').labels[cell.product]).toBe('string');
    const f = await compliance.post('/api/reports/holdings_time/cell-filter', { drill: [...drill, { field: 'product_category', value: cat.product_category }], cell: { month: cell.month, product: cell.product } });
    expect(await listTotal(compliance, 'holding', f.body.filter)).toBe(cell.n);
  });

  it('checks hierarchies when saved and levels when drilled', async () => {
    const base = { name: 'x', object: 'customer', measures: [{ key: 'n', agg: 'count' }], dimensions: [{ field: 'segment' }] };
    const bad = [
      { key: 'h_base', hierarchies: [{ levels: [{ field: 'risk_level' }, { field: 'owner_id' }] }] },
      { key: 'h_field', hierarchies: [{ levels: [{ field: 'segment' }, { field: 'nope' }] }] },
      { key: 'h_dup', hierarchies: [{ levels: [{ field: 'segment' }, { field: 'segment' }] }] },
      { key: 'h_one', hierarchies: [{ levels: [{ field: 'segment' }] }] },
      { key: 'h_bucket', hierarchies: [{ levels: [{ field: 'segment' }, { field: 'name', bucket: 'month' }] }] },
      { key: 'h_encrypted', hierarchies: [{ levels: [{ field: 'segment' }, { field: 'id_number' }] }] },
    ];
    for (const b of bad) {
      const r = await analyst.post('/api/reports', { ...base, ...b });
      expect([b.key, r.status]).toEqual([b.key, 400]);
    }
    const r = await analyst.post('/api/reports', { ...base, key: 'h_ok', hierarchies: [{ levels: [{ field: 'segment' }, { field: 'owner_id', key: 'cm' }, { field: 'name' }] }] });
    expect(r.status).toBe(201);
    // A level the caller may not read is refused when drilled to: the auditor is lent customers without names.
    expect((await security.patch('/api/admin/roles/auditor', { permissions: [{ object: 'customer', actions: ['read'], scope: 'all', fields: { name: 'none' } }] })).status).toBe(200);
    try {
      expect((await auditor.post('/api/reports/h_ok/run', { drill: [{ field: 'segment', value: 'mass' }] })).status).toBe(200);
      const hidden = await auditor.post('/api/reports/h_ok/run', { drill: [{ field: 'segment', value: 'mass' }, { field: 'cm', value: null }] });
      expect(hidden.status).toBe(400);
      expect(hidden.body.error.details[0]).toMatchObject({ code: 'unknown_field' });
    } finally {
      expect((await security.patch('/api/admin/roles/auditor', { permissions: [] })).status).toBe(200);
    }
  });
});

describe('computed measures', () => {
  const FEEL = {
    key: 'feel_holdings', name: 'feel', object: 'holding',
    measures: [
      { key: 'n', agg: 'count' },
      { key: 'balance', agg: 'sum', field: 'balance' },
      { key: 'customers', agg: 'count_distinct', field: 'customer' },
      { key: 'matured', agg: 'count', field: 'maturity_date' },
      { key: 'per_customer', agg: 'ratio', numerator: 'balance', denominator: 'customers' },
      { key: 'avg_feel', agg: 'feel', expression: 'balance / customers', scale: 2 },
      // Exact decimals: a double would show its binary error at ten places (x * 1.1).
      { key: 'grown', agg: 'feel', expression: 'balance * 1.1', scale: 10 },
      { key: 'share_matured', agg: 'feel', expression: 'if n > 0 then matured / n * 100 else null', scale: 4 },
      { key: 'by_zero', agg: 'feel', expression: 'balance / (n - n)' },
    ],
    dimensions: [{ field: 'category' }],
  };

  it('computes ratios and FEEL measures over each row and total in exact decimals', async () => {
    expect((await analyst.post('/api/reports', FEEL)).status).toBe(201);
    const r = await compliance.post('/api/reports/feel_holdings/run', {});
    expect(r.status).toBe(200);
    const want = await sql(`SELECT category, round(sum(balance) / count(DISTINCT customer), 4)::text AS per_customer, round(sum(balance) / count(DISTINCT customer), 2)::text AS avg_feel,
      round(sum(balance) * 1.1, 10)::text AS grown, round(count(maturity_date)::numeric / count(*) * 100, 4)::text AS share_matured
      FROM crm_data.holding WHERE deleted_at IS NULL GROUP BY ROLLUP (category) ORDER BY category NULLS LAST`);
    const pick = (x: Row) => ({ category: x.category ?? null, per_customer: x.per_customer, avg_feel: x.avg_feel, grown: x.grown, share_matured: x.share_matured });
    expect([...r.body.rows, ...r.body.totals].map(pick)).toEqual(want.map(pick));
    for (const x of [...r.body.rows, ...r.body.totals]) expect(x.by_zero).toBeNull();
    const col = r.body.columns.find((c: Row) => c.key === 'grown');
    expect(col).toMatchObject({ role: 'measure', type: 'decimal' });
    // The grown total has ten decimals, all of them exact (no 0.1000000000000000055…).
    expect(r.body.totals[0].grown).toMatch(/^\d+\.\d{10}$/);
    expect(r.body.totals[0].grown.endsWith('0000000')).toBe(true);
  });

  it('refuses FEEL measures that do not parse, name unknown or FEEL measures, or are sorted on', async () => {
    const base = { name: 'x', object: 'holding', dimensions: [{ field: 'category' }] };
    const bad: [string, Row[], string?][] = [
      ['f_syntax', [{ key: 'n', agg: 'count' }, { key: 'x', agg: 'feel', expression: 'n +* 2' }]],
      ['f_unknown', [{ key: 'n', agg: 'count' }, { key: 'x', agg: 'feel', expression: 'balance / n' }]],
      ['f_chain', [{ key: 'n', agg: 'count' }, { key: 'x', agg: 'feel', expression: 'n * 2' }, { key: 'y', agg: 'feel', expression: 'x * 2' }]],
      ['f_self', [{ key: 'n', agg: 'count' }, { key: 'x', agg: 'feel', expression: 'x + n' }]],
      ['f_noexpr', [{ key: 'n', agg: 'count' }, { key: 'x', agg: 'feel' }]],
      ['f_field', [{ key: 'n', agg: 'count' }, { key: 'x', agg: 'feel', expression: 'n', field: 'balance' }]],
      ['f_expr_on_sum', [{ key: 'n', agg: 'sum', field: 'balance', expression: 'n' }]],
      ['f_scale', [{ key: 'n', agg: 'count' }, { key: 'x', agg: 'feel', expression: 'n', scale: 11 }]],
      ['f_sort', [{ key: 'n', agg: 'count' }, { key: 'x', agg: 'feel', expression: 'n * 2' }], '-x'],
      ['f_loop', [{ key: 'n', agg: 'count' }, { key: 'x', agg: 'feel', expression: 'count(for i in 1..100000000 return i) + n' }]],
    ];
    for (const [key, measures, sort] of bad) {
      const r = await analyst.post('/api/reports', { ...base, key, measures, ...(sort ? { sort } : {}) });
      expect([key, r.status]).toEqual([key, 400]);
    }
    const preview = await analyst.post('/api/reports/query', { ...base, measures: bad[1]![1] });
    expect(preview.body.error.details[0]).toMatchObject({ path: '/measures/1/expression', code: 'unknown_measure' });
  });
});
