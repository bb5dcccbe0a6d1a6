/**
 * Reports on the demo bank, against the real server and PostgreSQL: measures (money as decimal strings),
 * date buckets in Beijing time, relation paths, pivot subtotals and totals, drill-down to the records
 * behind a cell, the viewer's row scope inside the aggregate (a customer manager vs compliance), field
 * rights (mode none is an unknown field, masked fields are no dimension), injection attempts, the
 * cache and its invalidation after a write, the cell cap, the statement timeout, versions and rights,
 * CSV/XLSX export (audited) and the read replica setting with its fall-back to the primary.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRequire } from 'node:module';
import { startServer, type TestServer } from '../harness/server.js';
import { as, call, login } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';

type Client = Awaited<ReturnType<typeof as>>;
type Row = Record<string, any>;
let srv: TestServer;
let analyst: Client, rm: Client, compliance: Client, auditor: Client, security: Client;
/** For raw requests (another language, file downloads). */
let complianceToken: string;

const sql = <T extends Row = Row>(text: string, params: unknown[] = []) => withClient(srv.dbUrl, async (c) => (await c.query<T>(text, params)).rows);
/** Cents of a decimal string, exactly (no float on the way). */
const cents = (s: string | null | undefined) => (s ? BigInt(s.replace('.', '').replace(/^(-?)0+(?=\d)/, '$1')) * (s.includes('.') ? 10n ** BigInt(2 - s.split('.')[1]!.length) : 100n) : 0n);
const sumCents = (rows: Row[], key: string) => rows.reduce((a, r) => a + cents(r[key]), 0n);

const HOLDINGS = {
  key: 'holdings_by_category',
  name: { 'zh-CN': '持仓按产品类别', en: 'Holdings by category' },
  object: 'holding',
  measures: [
    { key: 'n', agg: 'count' },
    { key: 'balance', agg: 'sum', field: 'balance' },
    { key: 'avg_balance', agg: 'avg', field: 'balance' },
    { key: 'max_balance', agg: 'max', field: 'balance' },
    { key: 'first_opened', agg: 'min', field: 'opened_at' },
    { key: 'customers', agg: 'count_distinct', field: 'customer' },
    { key: 'per_customer', agg: 'ratio', numerator: 'balance', denominator: 'customers' },
  ],
  dimensions: [{ field: 'category' }],
  chart: { type: 'bar' },
};

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '300', CRM_REPORTS_STATEMENT_TIMEOUT_MS: '1500' }, timeoutMs: 150000 });
  [analyst, rm, compliance, auditor, security] = await Promise.all(['analyst', 'rm', 'compliance', 'auditor', 'security'].map((u) => as(srv.baseUrl, u)));
  complianceToken = await login(srv.baseUrl, 'compliance');
  const created = await analyst.post('/api/reports', HOLDINGS);
  expect(created.status).toBe(201);
}, 180000);
afterAll(async () => {
  await srv?.stop();
});

describe('measures and dimensions', () => {
  it('counts, sums (decimal strings), averages, extremes, distinct counts and ratios per select value, with labels and a grand total', async () => {
    const r = await compliance.post('/api/reports/holdings_by_category/run', {});
    expect(r.status).toBe(200);
    const expected = await sql(`SELECT category, count(*)::int AS n, sum(balance)::text AS balance, max(balance)::text AS max_balance, round(avg(balance), 2)::text AS avg_balance,
      min(opened_at)::text AS first_opened, count(DISTINCT customer)::int AS customers
      FROM crm_data.holding WHERE deleted_at IS NULL GROUP BY category ORDER BY category`);
    expect(expected.length).toBeGreaterThan(1);
    expect(r.body.rows.map((x: Row) => ({ ...x, per_customer: undefined }))).toEqual(expected.map((e) => ({ ...e, per_customer: undefined })));
    for (const row of r.body.rows) {
      expect(typeof row.balance).toBe('string');
      expect(row.balance).toMatch(/^\d+\.\d{2}$/);
      expect(typeof row.n).toBe('number');
      expect(row.per_customer).toMatch(/^\d+\.\d{4}$/);
    }
    expect(r.body.columns.map((c: Row) => [c.key, c.role, c.type])).toEqual([
      ['category', 'dimension', 'select'], ['n', 'measure', 'integer'], ['balance', 'measure', 'money'], ['avg_balance', 'measure', 'money'],
      ['max_balance', 'measure', 'money'], ['first_opened', 'measure', 'date'], ['customers', 'measure', 'integer'], ['per_customer', 'measure', 'decimal'],
    ]);
    const labels = r.body.columns[0].labels;
    for (const row of r.body.rows) expect(typeof labels[row.category]).toBe('string');
    // The grand total is the sum of the rows, computed by the same statement.
    expect(r.body.totals).toHaveLength(1);
    const total = r.body.totals[0];
    expect(total.$collapsed).toEqual(['category']);
    expect(total.n).toBe(r.body.rows.reduce((a: number, x: Row) => a + x.n, 0));
    expect(cents(total.balance)).toBe(sumCents(r.body.rows, 'balance'));
    expect(r.body).toMatchObject({ source: 'primary', report: { key: 'holdings_by_category', version: 1 } });
    expect(typeof r.body.elapsedMs).toBe('number');
    // English labels on request.
    const en = await call(srv.baseUrl, 'POST', '/api/reports/holdings_by_category/run', { token: complianceToken, body: {}, headers: { 'accept-language': 'en' } });
    expect(en.body.columns.find((c: Row) => c.key === 'balance').label).toMatch(/\(sum\)$/);
    expect(r.body.columns.find((c: Row) => c.key === 'balance').label).toMatch(/（合计）$/);
  });

  it('buckets dates by Beijing day, ISO week, month, quarter and year', async () => {
    for (const [bucket, fmt, re] of [
      ['month', 'YYYY-MM', /^\d{4}-\d{2}$/], ['quarter', 'YYYY-"Q"Q', /^\d{4}-Q[1-4]$/], ['year', 'YYYY', /^\d{4}$/], ['week', 'IYYY-"W"IW', /^\d{4}-W\d{2}$/],
    ] as const) {
      const r = await compliance.post('/api/reports/query', { object: 'holding', measures: [{ key: 'n', agg: 'count' }], dimensions: [{ field: 'opened_at', bucket }] });
      expect([bucket, r.status]).toEqual([bucket, 403]); // previewing is the designer's
      const a = await analyst.post('/api/reports', { key: `h_${bucket}`, name: bucket, object: 'holding', measures: [{ key: 'n', agg: 'count' }], dimensions: [{ field: 'opened_at', bucket }] });
      expect(a.status).toBe(201);
      const run = await compliance.post(`/api/reports/h_${bucket}/run`, {});
      const want = await sql(`SELECT to_char(opened_at, '${fmt}') AS opened_at, count(*)::int AS n FROM crm_data.holding WHERE deleted_at IS NULL GROUP BY 1 ORDER BY 1 NULLS LAST`);
      expect(run.body.rows).toEqual(want);
      expect(run.body.columns[0]).toMatchObject({ key: 'opened_at', type: 'period', bucket });
      for (const row of run.body.rows) if (row.opened_at !== null) expect(row.opened_at).toMatch(re);
    }
    // Date-times are bucketed in Beijing time, not UTC.
    await analyst.post('/api/reports', { key: 'customers_by_day', name: 'by day', object: 'customer', measures: [{ key: 'n', agg: 'count' }], dimensions: [{ field: 'created_at', bucket: 'day' }] });
    const days = await compliance.post('/api/reports/customers_by_day/run', {});
    const want = await sql(`SELECT to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS created_at, count(*)::int AS n FROM crm_data.customer WHERE deleted_at IS NULL GROUP BY 1 ORDER BY 1`);
    expect(days.body.rows).toEqual(want);
  });

  it('follows relation paths: holding → customer → owner, with the owners named', async () => {
    const r = await analyst.post('/api/reports', {
      key: 'aum_by_owner', name: 'AUM by owner', object: 'holding',
      measures: [{ key: 'balance', agg: 'sum', field: 'balance' }], dimensions: [{ field: 'customer.owner_id' }, { field: 'customer.segment' }],
    });
    expect(r.status).toBe(201);
    const run = await compliance.post('/api/reports/aum_by_owner/run', {});
    expect(run.status).toBe(200);
    const want = await sql(`SELECT c.owner_id::text AS "customer.owner_id", c.segment AS "customer.segment", sum(h.balance)::text AS balance
      FROM crm_data.holding h LEFT JOIN crm_data.customer c ON c.id = h.customer AND c.deleted_at IS NULL WHERE h.deleted_at IS NULL
      GROUP BY 1, 2 ORDER BY 1 NULLS LAST, 2 NULLS LAST`);
    expect(run.body.rows).toEqual(want);
    const owners = run.body.columns.find((c: Row) => c.key === 'customer.owner_id');
    expect(owners.label).toContain(' / ');
    const names = await sql(`SELECT id::text AS id, coalesce(display_name, username) AS name FROM crm.users`);
    for (const row of run.body.rows) if (row['customer.owner_id']) expect(owners.labels[row['customer.owner_id']]).toBe(names.find((u) => u.id === row['customer.owner_id'])!.name);
  });
});

describe('org tree levels', () => {
  it('groups by the branch (level 2 of the org tree) of the customer, and a branch manager sees only their own', async () => {
    const r = await analyst.post('/api/reports', {
      key: 'aum_by_branch', name: 'AUM by branch', object: 'holding',
      measures: [{ key: 'balance', agg: 'sum', field: 'balance' }], dimensions: [{ field: 'customer.org_unit_id', level: 2, key: 'branch' }],
    });
    expect(r.status).toBe(201);
    const all = await compliance.post('/api/reports/aum_by_branch/run', {});
    const want = await sql(`SELECT ou.path[2]::text AS branch, sum(h.balance)::text AS balance FROM crm_data.holding h
      LEFT JOIN crm_data.customer c ON c.id = h.customer AND c.deleted_at IS NULL LEFT JOIN crm.org_units ou ON ou.id = c.org_unit_id
      WHERE h.deleted_at IS NULL GROUP BY 1 ORDER BY 1 NULLS LAST`);
    expect(all.body.rows).toEqual(want);
    expect(all.body.rows.filter((x: Row) => x.branch).length).toBeGreaterThan(0);
    const names = await sql(`SELECT id::text AS id, name FROM crm.org_units`);
    const col = all.body.columns[0];
    expect(col).toMatchObject({ key: 'branch', type: 'org_unit' });
    for (const row of all.body.rows) if (row.branch) expect(col.labels[row.branch]).toBe(names.find((u) => u.id === row.branch)!.name);
    const mgr = await as(srv.baseUrl, 'manager');
    const mine = await mgr.post('/api/reports/aum_by_branch/run', {});
    expect(mine.status).toBe(200);
    const [home] = await sql(`SELECT ou.path FROM crm.users u JOIN crm.org_units ou ON ou.id = u.org_unit_id WHERE u.username = 'manager'`);
    for (const row of mine.body.rows) if (row.branch) expect(home!.path).toContain(row.branch);
    expect(cents(mine.body.totals[0].balance)).toBeLessThan(cents(all.body.totals[0].balance));
    expect((await analyst.post('/api/reports', { key: 'bad_level', name: 'x', object: 'holding', measures: [{ key: 'n', agg: 'count' }], dimensions: [{ field: 'category', level: 2 }] })).status).toBe(400);
  });
});

describe('pivot and drill-down', () => {
  it('answers rows × columns with subtotals and totals that equal the sums of their cells', async () => {
    await analyst.post('/api/reports', {
      key: 'aum_pivot', name: 'AUM segment × category', object: 'holding', chart: { type: 'pivot' },
      measures: [{ key: 'n', agg: 'count' }, { key: 'balance', agg: 'sum', field: 'balance' }],
      dimensions: [{ field: 'customer.segment' }, { field: 'category' }], pivot: { rows: ['customer.segment'], columns: ['category'] },
    });
    const r = await compliance.post('/api/reports/aum_pivot/run', {});
    expect(r.status).toBe(200);
    const cells: Row[] = r.body.rows;
    const totals: Row[] = r.body.totals;
    const rowTotals = totals.filter((t) => t.$collapsed.join() === 'category');
    const colTotals = totals.filter((t) => t.$collapsed.join() === 'customer.segment');
    const grand = totals.filter((t) => t.$collapsed.length === 2);
    expect(grand).toHaveLength(1);
    for (const t of rowTotals) {
      const mine = cells.filter((c) => c['customer.segment'] === t['customer.segment']);
      expect(t.n).toBe(mine.reduce((a, c) => a + c.n, 0));
      expect(cents(t.balance)).toBe(sumCents(mine, 'balance'));
      expect(t).not.toHaveProperty('category');
    }
    for (const t of colTotals) {
      const mine = cells.filter((c) => c.category === t.category);
      expect(cents(t.balance)).toBe(sumCents(mine, 'balance'));
    }
    expect(rowTotals.length).toBe(new Set(cells.map((c) => c['customer.segment'])).size);
    expect(colTotals.length).toBe(new Set(cells.map((c) => c.category)).size);
    expect(cents(grand[0]!.balance)).toBe(sumCents(cells, 'balance'));
    expect(grand[0]!.n).toBe((await sql(`SELECT count(*)::int AS n FROM crm_data.holding WHERE deleted_at IS NULL`))[0]!.n);
    // A pivot can also be asked for at run time, with the layout swapped.
    const swapped = await compliance.post('/api/reports/aum_pivot/run', { pivot: { rows: ['category'], columns: ['customer.segment'] } });
    expect(swapped.body.totals.filter((t: Row) => t.$collapsed.join() === 'customer.segment').length).toBe(colTotals.length);
    expect((await compliance.post('/api/reports/aum_pivot/run', { pivot: { rows: ['nope'], columns: [] } })).status).toBe(400);
  });

  it('drills from segment to owner to customer, and the records behind a cell add up to it', async () => {
    const top = await compliance.post('/api/reports/aum_pivot/run', { pivot: { rows: ['customer.segment'], columns: [] } });
    const cell = top.body.rows.find((c: Row) => c['customer.segment'] === 'mass' && c.category === 'deposit') ?? top.body.rows[0];
    const drill = [{ field: 'customer.segment', value: cell['customer.segment'] }, { field: 'category', value: cell.category }];
    const narrowed = await compliance.post('/api/reports/aum_pivot/run', { drill });
    expect(narrowed.body.rows).toEqual([cell]);
    // Next level: the customer managers behind the cell, then their customers.
    const byOwner = await analyst.post('/api/reports', {
      key: 'drill_owner', name: 'drill', object: 'holding',
      measures: [{ key: 'n', agg: 'count' }, { key: 'balance', agg: 'sum', field: 'balance' }], dimensions: [{ field: 'customer.owner_id' }, { field: 'customer' }],
    });
    expect(byOwner.status).toBe(201);
    const owners = await compliance.post('/api/reports/drill_owner/run', { drill });
    expect(owners.body.rows.reduce((a: number, r: Row) => a + r.n, 0)).toBe(cell.n);
    expect(cents(owners.body.totals[0].balance)).toBe(cents(cell.balance));
    const one = owners.body.rows[0];
    // The customer dimension is labelled with the customer's title field.
    expect(typeof owners.body.columns.find((c: Row) => c.key === 'customer').labels[one.customer]).toBe('string');
    const leaf = await compliance.post('/api/reports/drill_owner/run', { drill: [...drill, { field: 'customer.owner_id', value: one['customer.owner_id'] }, { field: 'customer', value: one.customer }] });
    expect(leaf.body.rows).toEqual([one]);
    const list = await compliance.get(`/api/records/holding?total=true&limit=500&filter=${encodeURIComponent(JSON.stringify({ customer: one.customer, category: cell.category }))}`);
    expect(list.body.total).toBe(one.n);
    expect(list.body.items.reduce((a: bigint, h: Row) => a + cents(h.balance), 0n)).toBe(cents(one.balance));
  });

  it('filters with relative dates in Beijing time', async () => {
    const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    const from = new Date(Date.parse(today) - 364 * 86_400_000).toISOString().slice(0, 10);
    const r = await compliance.post('/api/reports/holdings_by_category/run', { filter: { opened_at: { $within: 'last 365 days' } } });
    expect(r.status).toBe(200);
    const [want] = await sql(`SELECT count(*)::int AS n FROM crm_data.holding WHERE deleted_at IS NULL AND opened_at >= $1::date AND opened_at < $2::date + 1`, [from, today]);
    expect(r.body.totals[0].n).toBe(want!.n);
    const lastYear = await compliance.post('/api/reports/holdings_by_category/run', { filter: { opened_at: { $within: 'same period last year' } } });
    const y = Number(today.slice(0, 4)) - 1;
    const [ytd] = await sql(`SELECT count(*)::int AS n FROM crm_data.holding WHERE deleted_at IS NULL AND opened_at >= $1::date AND opened_at < ($2::date - interval '1 year')::date + 1`, [`${y}-01-01`, today]);
    expect(lastYear.body.totals[0]?.n ?? 0).toBe(ytd!.n);
    for (const bad of [{ opened_at: { $within: 'since the dawn of time' } }, { category: { $within: 'last 3 days' } }, { opened_at: { $within: 5 } }]) {
      const x = await compliance.post('/api/reports/holdings_by_category/run', { filter: bad });
      expect([JSON.stringify(bad), x.status]).toEqual([JSON.stringify(bad), 400]);
    }
  });
});

describe('security', () => {
  it("computes a customer manager's aggregates over their own scope only, compliance's over the whole bank", async () => {
    const mine = await rm.post('/api/reports/holdings_by_category/run', {});
    const all = await compliance.post('/api/reports/holdings_by_category/run', {});
    expect(mine.status).toBe(200);
    const listed = await rm.get('/api/records/holding?total=true&limit=1');
    expect(mine.body.totals[0].n).toBe(listed.body.total);
    expect(mine.body.totals[0].n).toBeLessThan(all.body.totals[0].n);
    expect(mine.body.totals[0].n).toBeGreaterThan(0);
    const [want] = await sql(`SELECT count(*)::int AS n, sum(h.balance)::text AS balance FROM crm_data.holding h
      WHERE h.deleted_at IS NULL AND h.owner_id IN (SELECT id FROM crm.users WHERE org_unit_id = (SELECT org_unit_id FROM crm.users WHERE username = 'rm'))`);
    expect(mine.body.totals[0]).toMatchObject({ n: want!.n, balance: want!.balance });
    // Joined objects are scoped too: grouping by the customer's owner shows only the rm's team.
    const owners = await rm.post('/api/reports/aum_by_owner/run', {});
    const team = await sql(`SELECT id::text AS id FROM crm.users WHERE org_unit_id = (SELECT org_unit_id FROM crm.users WHERE username = 'rm')`);
    for (const row of owners.body.rows) if (row['customer.owner_id'] !== null) expect(team.map((u) => u.id)).toContain(row['customer.owner_id']);
  });

  it("reads joined objects within the viewer's scope too: a holding of another team's customer shows nothing of that customer", async () => {
    const [foreign] = await sql(`SELECT h.id::text AS id, h.owner_id::text AS owner, h.customer::text AS customer FROM crm_data.holding h JOIN crm_data.customer c ON c.id = h.customer
      WHERE h.deleted_at IS NULL AND c.owner_id NOT IN (SELECT id FROM crm.users WHERE org_unit_id = (SELECT org_unit_id FROM crm.users WHERE username = 'rm')) LIMIT 1`);
    expect((await rm.get(`/api/records/customer/${foreign!.customer}`)).status).toBe(404);
    // The holding itself is moved into the rm's book (straight in the table), its customer stays where it is.
    await sql(`UPDATE crm_data.holding SET owner_id = (SELECT id FROM crm.users WHERE username = 'rm') WHERE id = $1`, [foreign!.id]);
    try {
      const row = await until(async () => {
        const r = await rm.post('/api/reports/drill_owner/run', { drill: [{ field: 'customer', value: foreign!.customer }] });
        return r.body.rows?.[0];
      }, { what: 'the moved holding in the rm report' });
      expect(row).toMatchObject({ customer: foreign!.customer, 'customer.owner_id': null, n: 1 });
      const again = await rm.post('/api/reports/drill_owner/run', { drill: [{ field: 'customer', value: foreign!.customer }] });
      expect(again.body.columns.find((c: Row) => c.key === 'customer').labels).toEqual({});
      const bySegment = await rm.post('/api/reports/aum_pivot/run', { drill: [{ field: 'customer', value: foreign!.customer }] });
      expect(bySegment.body.rows.map((r: Row) => r['customer.segment'])).toEqual([null]);
    } finally {
      await sql(`UPDATE crm_data.holding SET owner_id = $2 WHERE id = $1`, [foreign!.id, foreign!.owner]);
    }
  });

  it('treats a field of mode none as unknown (dimension, measure, filter, drill) and refuses masked fields as dimensions', async () => {
    // The auditor (no customer data) is lent a role for this test: segment hidden, AUM masked.
    expect((await security.patch('/api/admin/roles/auditor', {
      permissions: [{ object: 'customer', actions: ['read'], scope: 'all', fields: { segment: 'none', aum: 'masked' } }, { object: 'holding', actions: ['read'], scope: 'all' }],
    })).status).toBe(200);
    const probe = auditor;
    const q = (over: Row) => ({ object: 'customer', measures: [{ key: 'n', agg: 'count' }], dimensions: [], ...over });
    try {
      await analyst.post('/api/reports', { key: 'probe_base', name: 'p', object: 'customer', measures: [{ key: 'n', agg: 'count' }], dimensions: [{ field: 'risk_level' }] });
      const save = async (key: string, body: Row) => {
        const r = await analyst.post('/api/reports', { key, name: key, ...q(body) });
        expect([key, r.status]).toEqual([key, 201]);
        return (await probe.post(`/api/reports/${key}/run`, {})) as { status: number; body: Row };
      };
      const none1 = await save('p_dim_none', { dimensions: [{ field: 'segment' }] });
      expect(none1.status).toBe(400);
      expect(none1.body.error.details[0]).toMatchObject({ code: 'unknown_field' });
      expect((await save('p_measure_none', { measures: [{ key: 'x', agg: 'count_distinct', field: 'segment' }] })).status).toBe(400);
      expect((await save('p_path_none', { object: 'holding', dimensions: [{ field: 'customer.segment' }] })).status).toBe(400);
      const masked = await save('p_dim_masked', { dimensions: [{ field: 'aum' }] });
      expect(masked.body.error.details[0]).toMatchObject({ code: 'masked_field' });
      expect((await save('p_sum_masked', { measures: [{ key: 'x', agg: 'sum', field: 'aum' }] })).body.error.details[0]).toMatchObject({ code: 'masked_field' });
      const filtered = await probe.post('/api/reports/probe_base/run', { filter: { segment: 'mass' } });
      expect(filtered.status).toBe(400);
      expect(filtered.body.error.details[0]).toMatchObject({ code: 'unknown_field' });
      expect((await probe.post('/api/reports/probe_base/run', { drill: [{ field: 'segment', value: 'mass' }] })).status).toBe(400);
      expect((await probe.post('/api/reports/probe_base/run', { filter: { aum: { $gt: '0' } } })).status).toBe(400);
      // Their own readable fields still work.
      expect((await probe.post('/api/reports/probe_base/run', {})).status).toBe(200);
    } finally {
      expect((await security.patch('/api/admin/roles/auditor', { permissions: [] })).status).toBe(200);
    }
    // Without unmask, ID numbers (level 3) are no dimension; with it, ciphertext still does not group.
    const preview = await analyst.post('/api/reports/query', q({ dimensions: [{ field: 'id_number' }] }));
    expect(preview.body.error.details[0]).toMatchObject({ code: 'masked_field' });
    const saved = await analyst.post('/api/reports', { key: 'by_id_number', name: 'id', ...q({ dimensions: [{ field: 'id_number' }] }) });
    expect(saved.body.error.details[0]).toMatchObject({ code: 'not_groupable' });
    // Counting distinct ID numbers is allowed (on the keyed hash), summing them is not.
    await analyst.post('/api/reports', { key: 'distinct_ids', name: 'ids', ...q({ measures: [{ key: 'ids', agg: 'count_distinct', field: 'id_number' }] }) });
    const ids = await compliance.post('/api/reports/distinct_ids/run', {});
    const [want] = await sql(`SELECT count(DISTINCT id_number__h)::int AS ids FROM crm_data.customer WHERE deleted_at IS NULL`);
    expect(ids.body.rows).toEqual([{ ids: want!.ids }]);
    expect((await analyst.post('/api/reports', { key: 'sum_ids', name: 'x', ...q({ measures: [{ key: 'x', agg: 'sum', field: 'id_number' }] }) })).status).toBe(400);
  });

  it('keeps a saved filter value on an encrypted field only as its keyed hash, and it still selects the same rows', async () => {
    const { items: [person] } = (await compliance.post('/api/records/customer/query', { filter: { customer_type: 'individual', id_number: { $null: false } }, limit: 1 })).body;
    expect(person.id_number).toMatch(/^\d{17}[\dX]$/);
    const saved = await analyst.post('/api/reports', { key: 'one_person', name: 'p', object: 'holding', measures: [{ key: 'n', agg: 'count' }], filter: { 'customer.id_number': person.id_number } });
    expect(saved.status).toBe(201);
    expect(JSON.stringify(saved.body)).not.toContain(person.id_number);
    const stored = await sql(`SELECT definition::text AS d FROM crm.report_versions WHERE report_key = 'one_person'`);
    expect(stored[0]!.d).not.toContain(person.id_number);
    expect(stored[0]!.d).toContain('$hash');
    const run = await compliance.post('/api/reports/one_person/run', {});
    const [want] = await sql(`SELECT count(*)::int AS n FROM crm_data.holding WHERE deleted_at IS NULL AND customer = $1`, [person.id]);
    expect(run.body.rows).toEqual([{ n: want!.n }]);
    // The rm may not filter on ID numbers at all: the saved filter does not lend them that.
    expect((await rm.post('/api/reports/one_person/run', {})).status).toBe(400);
  });

  it('refuses injection in field names, keys, sorts and buckets, and binds values', async () => {
    const base = { object: 'holding', measures: [{ key: 'n', agg: 'count' }] };
    const bad: Row[] = [
      { dimensions: [{ field: 'category"; DROP TABLE crm.users; --' }] },
      { dimensions: [{ field: 'customer.name) FROM crm.users --' }] },
      { measures: [{ key: 'n', agg: 'sum', field: 'balance + 1' }] },
      { measures: [{ key: 'n"--', agg: 'count' }] },
      { measures: [{ key: 'n', agg: 'count; DELETE' }] },
      { dimensions: [{ field: 'opened_at', bucket: "month') --" }] },
      { dimensions: [{ field: 'category', level: '1; DROP' }] },
      { sort: '-n; DROP TABLE crm.users' },
      { filter: { 'category" OR 1=1 --': 'x' } },
      { filter: { category: { $raw: '1=1' } } },
      { object: 'holding"; --' },
      { dimensions: [{ field: 'customer.customer.customer.customer.customer.name' }] },
      { dimensions: [{ field: 'balance.customer' }] },
      { dimensions: [{ field: 'category' }, { field: 'category' }] },
    ];
    for (const b of bad) {
      const r = await analyst.post('/api/reports/query', { ...base, ...b });
      expect([JSON.stringify(b), r.status]).toEqual([JSON.stringify(b), 400]);
    }
    // Values are bound: a value that looks like SQL selects nothing and breaks nothing.
    for (const value of ["deposit' OR '1'='1", 'deposit"; DROP TABLE crm.users; --', '%']) {
      const r = await compliance.post('/api/reports/holdings_by_category/run', { filter: { category: value }, drill: [{ field: 'category', value }] });
      expect([value, r.status, r.body.rows]).toEqual([value, 200, []]);
    }
    expect((await sql(`SELECT count(*)::int AS n FROM crm.users`))[0]!.n).toBeGreaterThan(3);
    // Nothing of the statement leaves the server.
    const r = await compliance.post('/api/reports/holdings_by_category/run', {});
    expect(JSON.stringify(r.body)).not.toMatch(/crm_data|SELECT/);
  });

  it('lets designers design, readers of the object run, and nobody else see a report', async () => {
    expect((await rm.post('/api/reports', { ...HOLDINGS, key: 'rm_report' })).status).toBe(403);
    expect((await rm.patch('/api/reports/holdings_by_category', { limit: 1 })).status).toBe(403);
    expect((await rm.del('/api/reports/holdings_by_category')).status).toBe(403);
    expect((await rm.post('/api/reports/query', { object: 'holding', measures: [{ key: 'n', agg: 'count' }] })).status).toBe(403);
    // The auditor reads no customer data: no such report, as far as they can tell.
    expect((await auditor.get('/api/reports')).body.items).toEqual([]);
    expect((await auditor.get('/api/reports/holdings_by_category')).status).toBe(404);
    expect((await auditor.post('/api/reports/holdings_by_category/run', {})).status).toBe(404);
    expect((await auditor.get('/api/reports/holdings_by_category/export?format=csv')).status).toBe(404);
    expect((await rm.get('/api/reports')).body.items.map((x: Row) => x.key)).toContain('holdings_by_category');
    expect((await call(srv.baseUrl, 'POST', '/api/reports/holdings_by_category/run', { body: {} })).status).toBe(401);
  });
});

describe('versions', () => {
  it('saves each change as a new version, refuses a stale one, keeps the object, and deletes', async () => {
    const before = await analyst.api.reports.get('holdings_by_category');
    expect(before).toMatchObject({ key: 'holdings_by_category', version: 1, object: 'holding' });
    const v2 = await analyst.patch('/api/reports/holdings_by_category', { version: 1, sort: '-balance', limit: 2 });
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ version: 2, sort: '-balance', limit: 2 });
    const typedRun = await compliance.api.reports.run('holdings_by_category');
    expect(typedRun.report?.version).toBe(2);
    const run = await compliance.post('/api/reports/holdings_by_category/run', {});
    expect(run.body.report.version).toBe(2);
    // Top 2 by balance, descending; the total still covers every row.
    expect(run.body.rows).toHaveLength(2);
    expect(cents(run.body.rows[0].balance) >= cents(run.body.rows[1].balance)).toBe(true);
    const [all] = await sql(`SELECT count(*)::int AS n FROM crm_data.holding WHERE deleted_at IS NULL`);
    expect(run.body.totals[0].n).toBe(all!.n);
    const stale = await analyst.patch('/api/reports/holdings_by_category', { version: 1, limit: 3 });
    expect(stale.status).toBe(409);
    expect((await analyst.patch('/api/reports/holdings_by_category', { object: 'customer' })).status).toBe(400);
    expect((await analyst.patch('/api/reports/holdings_by_category', { dimensions: [{ field: 'no_such_field' }] })).status).toBe(400);
    expect((await analyst.get('/api/reports/holdings_by_category')).body.version).toBe(2);
    const back = await analyst.patch('/api/reports/holdings_by_category', { version: 2, sort: null, limit: null });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ version: 3 });
    expect(back.body).not.toHaveProperty('limit');
    expect((await analyst.post('/api/reports', HOLDINGS)).status).toBe(409);
    expect((await analyst.post('/api/reports', { key: 'tmp_report', name: 't', object: 'holding', measures: [{ key: 'n', agg: 'count' }] })).status).toBe(201);
    expect((await analyst.del('/api/reports/tmp_report')).status).toBe(204);
    expect((await analyst.get('/api/reports/tmp_report')).status).toBe(404);
    expect((await analyst.post('/api/reports', { key: 'bad', name: 'b', object: 'no_such_object', measures: [{ key: 'n', agg: 'count' }] })).status).toBe(400);
    const audit = await sql(`SELECT action FROM crm.audit_log WHERE object = 'report' AND record_id IN ('holdings_by_category', 'tmp_report') ORDER BY seq`);
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['report.create', 'report.update', 'report.delete']));
  });
});

describe('bounds and cache', () => {
  it('caches answers per report, filter and scope, and forgets them when the records change', async () => {
    await analyst.post('/api/reports', { key: 'customers_by_segment', name: 's', object: 'customer', measures: [{ key: 'n', agg: 'count' }], dimensions: [{ field: 'segment' }] });
    const first = await compliance.post('/api/reports/customers_by_segment/run', {});
    expect(first.body.cached).toBe(false);
    // Polled: a background job of the bank pack writing customers would rightly empty the cache.
    const cachedRun = () => until(async () => {
      const r = await compliance.post('/api/reports/customers_by_segment/run', {});
      return r.body.cached === true && r;
    }, { what: 'a cached answer' });
    const again = await cachedRun();
    expect(again.body.rows).toEqual(first.body.rows);
    // Another scope is another entry.
    expect((await rm.post('/api/reports/customers_by_segment/run', {})).body.cached).toBe(false);
    // A write through the API: the next run sees it.
    const { items: [victim] } = (await compliance.post('/api/records/customer/query', { filter: { segment: 'mass' }, limit: 1 })).body;
    const moved = await compliance.patch(`/api/records/customer/${victim.id}`, { segment: 'private', version: victim.version });
    expect(moved.status).toBe(200);
    const count = (r: Row, seg: string) => r.body.rows.find((x: Row) => x.segment === seg)?.n ?? 0;
    const after = await until(async () => {
      const r = await compliance.post('/api/reports/customers_by_segment/run', {});
      return count(r, 'private') === count(first, 'private') + 1 && r;
    }, { what: 'the report to see the write' });
    expect(count(after, 'mass')).toBe(count(first, 'mass') - 1);
    // A write straight into the table (a bulk load) is heard too.
    await cachedRun();
    await sql(`UPDATE crm_data.customer SET segment = 'mass' WHERE id = $1`, [victim.id]);
    await until(async () => {
      const r = await compliance.post('/api/reports/customers_by_segment/run', {});
      return count(r, 'mass') === count(first, 'mass') && r;
    }, { what: 'the report to see the direct write' });
  });

  it('refuses an answer of more than 10,000 cells with a clear 422', async () => {
    const [{ n }] = (await sql(`SELECT count(*)::int AS n FROM crm_data.holding WHERE deleted_at IS NULL`)) as [{ n: number }];
    const measures = Math.ceil(10_000 / n); // id + this many measures: more cells than allowed
    expect(measures).toBeLessThanOrEqual(20);
    const body = { object: 'holding', dimensions: [{ field: 'id' }], measures: Array.from({ length: measures }, (_, i) => ({ key: `m${i}`, agg: 'count' })) };
    expect((await analyst.post('/api/reports', { key: 'too_big', name: 'big', ...body })).status).toBe(201);
    const big = await call(srv.baseUrl, 'POST', '/api/reports/too_big/run', { token: complianceToken, body: {}, headers: { 'accept-language': 'en' } });
    expect(big.status).toBe(422);
    expect(big.body.error).toMatchObject({ code: 'reports.too_many_cells' });
    expect(big.body.error.message).toMatch(/10000 cells/);
    // A top N under the cap answers.
    expect((await analyst.patch('/api/reports/too_big', { limit: 100 })).status).toBe(200);
    expect((await compliance.post('/api/reports/too_big/run', {})).body.rows).toHaveLength(100);
  });

  it('stops a statement at the timeout with a clear 422', async () => {
    await withClient(srv.dbUrl, async (c) => {
      await c.query('BEGIN');
      await c.query('LOCK TABLE crm_data.product IN ACCESS EXCLUSIVE MODE');
      try {
        const started = Date.now();
        const r = await compliance.post('/api/reports/holdings_by_category/run', { filter: { 'product.name': { $like: '%' } } });
        expect(r.status).toBe(422);
        expect(r.body.error.code).toBe('reports.timeout');
        expect(Date.now() - started).toBeLessThan(10_000);
      } finally {
        await c.query('ROLLBACK');
      }
    });
    expect((await compliance.post('/api/reports/holdings_by_category/run', { filter: { 'product.name': { $like: '%' } } })).status).toBe(200);
  });
});

describe('export', () => {
  it('exports CSV and XLSX with labels and totals, audited', async () => {
    const run = await compliance.post('/api/reports/holdings_by_category/run', {});
    const res = await fetch(`${srv.baseUrl}/api/reports/holdings_by_category/export?format=csv`, { headers: { authorization: `Bearer ${complianceToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').trim().split(/\r?\n/);
    expect(lines[0]!.split(',')).toEqual(run.body.columns.map((c: Row) => c.label));
    expect(lines).toHaveLength(run.body.rows.length + 2);
    const labels = run.body.columns[0].labels;
    expect(lines[1]!.split(',')[0]).toBe(labels[run.body.rows[0].category]);
    expect(lines[1]!.split(',')[2]).toBe(run.body.rows[0].balance);
    expect(lines.at(-1)!.split(',')[0]).toBe('合计');

    const x = await fetch(`${srv.baseUrl}/api/reports/holdings_by_category/export?format=xlsx&filter=${encodeURIComponent(JSON.stringify({ category: 'deposit' }))}`, { headers: { authorization: `Bearer ${complianceToken}` } });
    expect(x.status).toBe(200);
    expect(x.headers.get('content-type')).toMatch(/spreadsheetml/);
    const ExcelJS = createRequire(new URL('../../apps/server/package.json', import.meta.url))('exceljs');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await x.arrayBuffer()));
    const sheet = book.worksheets[0];
    const deposit = run.body.rows.find((r: Row) => r.category === 'deposit');
    expect(sheet.getRow(2).getCell(1).value).toBe(labels.deposit);
    expect(sheet.getRow(2).getCell(3).value).toBe(deposit.balance);
    expect(sheet.rowCount).toBe(3);

    const audit = await sql(`SELECT data FROM crm.audit_log WHERE action = 'report.export' ORDER BY seq`);
    expect(audit.map((a) => a.data.format)).toEqual(['csv', 'xlsx']);
    expect(audit[1]!.data).toMatchObject({ filter: { category: 'deposit' }, rows: 1 });
    expect((await compliance.get('/api/reports/holdings_by_category/export?format=pdf')).status).toBe(400);
    expect((await compliance.get('/api/reports/holdings_by_category/export?filter=%7Bnot%20json')).status).toBe(400);
  });
});

describe('read replica', () => {
  it('reads from CRM_REPORTS_DATABASE_URL when it answers, and falls back to the primary with a warning when it does not', async () => {
    const replica = await startServer({ dbUrl: srv.dbUrl, env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '0', CRM_REPORTS_DATABASE_URL: srv.dbUrl } });
    try {
      const c = await as(replica.baseUrl, 'compliance');
      const r = await c.post('/api/reports/holdings_by_category/run', {});
      expect(r.status).toBe(200);
      expect(r.body.source).toBe('replica');
    } finally {
      await replica.stop({ keepDatabase: true });
    }
    const broken = await startServer({ dbUrl: srv.dbUrl, env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '0', CRM_REPORTS_DATABASE_URL: 'postgres://nobody:x@127.0.0.1:9/none' } });
    try {
      const c = await as(broken.baseUrl, 'compliance');
      const r = await c.post('/api/reports/holdings_by_category/run', {});
      expect(r.status).toBe(200);
      expect(r.body.source).toBe('primary');
      await until(() => broken.output().includes('report queries fall back to the primary database'), { what: 'the fall-back warning' });
      expect(broken.output()).not.toContain('nobody:x');
    } finally {
      await broken.stop({ keepDatabase: true });
    }
  }, 120000);
});
