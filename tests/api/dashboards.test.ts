/**
 * Dashboards on the demo bank, against the real server and PostgreSQL: CRUD with versions and audit,
 * validation errors, sharing with roles (a customer manager sees only what is shared with their role; a
 * widget whose report they cannot read answers restricted), the viewer's row scope inside every widget,
 * dashboard filters (only on widgets whose report has the field), cross filters, the KPI comparison with
 * the previous period against hand-written SQL, and the bank pack's dashboards for every demo role.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import type { DashboardDefinitionInput } from '@crm/shared';

type Client = Awaited<ReturnType<typeof as>>;
type Row = Record<string, any>;
let srv: TestServer;
let analyst: Client, rm: Client, manager: Client, compliance: Client;

const sql = <T extends Row = Row>(text: string, params: unknown[] = []) => withClient(srv.dbUrl, async (c) => (await c.query<T>(text, params)).rows);
const grand = (answer: Row, key: string) => answer.totals.find((t: Row) => t.$collapsed.length === answer.columns.filter((c: Row) => c.role === 'dimension').length)?.[key];
const widget = (run: Row, id: string) => run.widgets.find((w: Row) => w.id === id);

const BY_RISK = {
  key: 't_by_risk', name: '客户按风险等级', object: 'customer',
  measures: [{ key: 'customers', agg: 'count' }], dimensions: [{ field: 'risk_level' }], chart: { type: 'bar' },
};
const layout = (x: number, y: number, w = 6, h = 4) => ({ x, y, w, h });
const SCOPED: DashboardDefinitionInput = {
  key: 't_scoped', name: { 'zh-CN': '测试看板', en: 'Test dashboard' }, roles: ['manager', 'compliance'],
  filters: [
    { key: 'org', kind: 'org_unit', field: 'org_unit_id' },
    { key: 'period', kind: 'date_range', field: 'created_at' },
    { key: 'product', kind: 'product', field: 'product' },
  ],
  widgets: [
    { id: 'seg', report: 'bank_aum_by_segment', layout: layout(0, 0) },
    { id: 'risk', report: 't_by_risk', title: '风险', chartType: 'pie', layout: layout(6, 0) },
    { id: 'loans', report: 'bank_loan_pipeline', layout: layout(0, 4, 12) },
  ],
};

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '300' }, timeoutMs: 150000 });
  [analyst, rm, manager, compliance] = await Promise.all(['analyst', 'rm', 'manager', 'compliance'].map((u) => as(srv.baseUrl, u)));
  expect((await analyst.post('/api/reports', BY_RISK)).status).toBe(201);
}, 180000);
afterAll(async () => {
  await srv?.stop();
});

describe('definitions', () => {
  it('creates, reads, lists, changes (a new version; 409 on a stale one) and deletes a dashboard, audited', async () => {
    const created = await analyst.api.dashboards.create(SCOPED);
    expect(created).toMatchObject({ key: 't_scoped', version: 1, roles: ['manager', 'compliance'] });
    expect(created.widgets).toHaveLength(3);
    expect((await analyst.api.dashboards.get('t_scoped')).widgets[1]).toMatchObject({ id: 'risk', chartType: 'pie', layout: { x: 6, y: 0, w: 6, h: 4 } });
    expect((await analyst.api.dashboards.list()).map((d) => d.key)).toEqual(expect.arrayContaining(['t_scoped', 'bank_president_cockpit', 'bank_rm_workbench', 'bank_compliance_board']));

    const tmp = await analyst.api.dashboards.create({ key: 't_tmp', name: '临时', widgets: [{ id: 'a', report: 't_by_risk', layout: layout(0, 0) }] });
    expect(tmp.roles).toEqual([]);
    const v2 = await analyst.api.dashboards.update('t_tmp', { version: 1, name: '临时 2', description: '说明' });
    expect(v2).toMatchObject({ version: 2, name: '临时 2', description: '说明' });
    expect(v2.widgets).toHaveLength(1);
    expect((await refused(analyst.api.dashboards.update('t_tmp', { version: 1, name: 'x' }))).status).toBe(409);
    expect((await analyst.api.dashboards.update('t_tmp', { description: null })).description).toBeUndefined();
    await analyst.api.dashboards.delete('t_tmp');
    expect((await refused(analyst.api.dashboards.get('t_tmp'))).status).toBe(404);
    expect((await refused(analyst.api.dashboards.delete('t_tmp'))).status).toBe(404);
    const audit = await sql(`SELECT action, data FROM crm.audit_log WHERE object = 'dashboard' AND record_id = 't_tmp' ORDER BY seq`);
    expect(audit.map((a) => a.action)).toEqual(['dashboard.create', 'dashboard.update', 'dashboard.update', 'dashboard.delete']);
  });

  it('refuses invalid definitions with 400 naming the problem, and writes by non-designers with 403', async () => {
    const base = { key: 't_bad', name: '坏', widgets: [{ id: 'w1', report: 't_by_risk', layout: layout(0, 0) }] };
    const unknownReport = await analyst.post('/api/dashboards', { ...base, widgets: [{ id: 'w9', report: 'no_such_report', layout: layout(0, 0) }] });
    expect(unknownReport.status).toBe(400);
    expect(unknownReport.body.error.details[0]).toMatchObject({ path: '/widgets/0/report', code: 'unknown_report' });
    expect(unknownReport.body.error.details[0].message).toContain('w9');
    const wide = await analyst.post('/api/dashboards', { ...base, widgets: [{ id: 'w1', report: 't_by_risk', layout: { x: 8, y: 0, w: 6, h: 4 } }] });
    expect(wide.status).toBe(400);
    expect(JSON.stringify(wide.body.error.details)).toContain('/widgets/0/layout');
    expect((await analyst.post('/api/dashboards', { ...base, widgets: [{ id: 'w1', report: 't_by_risk', layout: { x: 0, y: 0, w: 0, h: 4 } }] })).status).toBe(400);
    const many = Array.from({ length: 25 }, (_, i) => ({ id: `w${i}`, report: 't_by_risk', layout: layout(0, i) }));
    expect((await analyst.post('/api/dashboards', { ...base, widgets: many })).status).toBe(400);
    const roles = await analyst.post('/api/dashboards', { ...base, roles: ['rm', 'no_such_role'] });
    expect(roles.status).toBe(400);
    expect(roles.body.error.details[0]).toMatchObject({ path: '/roles', code: 'unknown_role' });
    expect(roles.body.error.details[0].message).toContain('no_such_role');
    const dup = await analyst.post('/api/dashboards', { ...base, widgets: [base.widgets[0], base.widgets[0]] });
    expect(dup.body.error.details[0]).toMatchObject({ path: '/widgets/1/id', code: 'duplicate_widget' });
    const badFilter = await analyst.post('/api/dashboards', { ...base, filters: [{ key: 'org', kind: 'org_unit', widgets: { nope: 'org_unit_id' } }] });
    expect(badFilter.body.error.details[0]).toMatchObject({ code: 'unknown_widget' });
    expect((await analyst.post('/api/dashboards', { ...base, filters: [{ key: 'org', kind: 'org_unit' }] })).status).toBe(400);
    expect((await analyst.post('/api/dashboards', { ...base, extra: 1 })).status).toBe(400);
    expect((await rm.post('/api/dashboards', base)).status).toBe(403);
    expect((await rm.patch('/api/dashboards/t_scoped', { name: 'x' })).status).toBe(403);
    expect((await rm.del('/api/dashboards/t_scoped')).status).toBe(403);
    expect((await analyst.get('/api/dashboards/t_bad')).status).toBe(404);
    expect(await sql(`SELECT key FROM crm.dashboards WHERE key = 't_bad'`)).toEqual([]);
    const dupe = await analyst.post('/api/dashboards', SCOPED);
    expect(dupe.status).toBe(409);
  });
});

describe('workbench order', () => {
  it('lists the workbench by each dashboard\'s order, those without one last, and refuses an order that is no small whole number', async () => {
    const mine = async (c: typeof rm) => (await c.api.dashboards.mine()).map((d) => d.key);
    // The pack's own: the cockpit first for a branch manager, the workbench first for a customer manager.
    expect((await mine(manager)).slice(0, 3)).toEqual(['bank_president_cockpit', 'bank_rm_workbench', 'bank_marketing_board']);
    expect((await mine(rm)).slice(0, 2)).toEqual(['bank_rm_workbench', 'bank_marketing_board']);
    expect((await rm.api.dashboards.mine())[0]).toMatchObject({ key: 'bank_rm_workbench', order: 20 });
    const first = await analyst.api.dashboards.create({ key: 't_first', name: '置顶', roles: ['rm'], order: 0, widgets: [{ id: 'a', report: 't_by_risk', layout: layout(0, 0) }] });
    expect(first.order).toBe(0);
    expect((await mine(rm))[0]).toBe('t_first');
    // Without an order: after every dashboard that has one.
    expect((await analyst.api.dashboards.update('t_first', { order: null })).order).toBeUndefined();
    const after = await mine(rm);
    expect(after[after.length - 1]).toBe('t_first');
    expect((await analyst.api.dashboards.update('t_first', { order: 25 })).order).toBe(25);
    expect((await mine(rm)).slice(0, 3)).toEqual(['bank_rm_workbench', 't_first', 'bank_marketing_board']);
    for (const bad of [1000, -1, 1.5, '10']) {
      const r = await analyst.patch('/api/dashboards/t_first', { order: bad });
      expect([bad, r.status, r.body.error?.details?.[0]?.path]).toEqual([bad, 400, '/order']);
    }
    expect((await analyst.api.dashboards.get('t_first')).order).toBe(25);
    await analyst.api.dashboards.delete('t_first');
  });
});

describe('sharing', () => {
  it('a customer manager sees only the dashboards shared with their role, and a widget whose report they cannot read is restricted', async () => {
    const mine = (await rm.api.dashboards.mine()).map((d) => d.key);
    expect(mine).toContain('bank_rm_workbench');
    expect(mine).not.toContain('bank_compliance_board');
    expect((await rm.api.dashboards.list()).map((d) => d.key)).toEqual(mine);
    expect((await rm.get('/api/dashboards?mine=1')).body.items.map((d: Row) => d.key)).toEqual(mine);
    expect((await refused(rm.api.dashboards.get('bank_compliance_board'))).status).toBe(404);
    expect((await refused(rm.api.dashboards.run('t_scoped'))).status).toBe(404);

    // An object the customer manager has no permission on, and a report over it.
    await analyst.api.meta.createObject({ key: 't_secret', label: '机密', fields: [{ key: 'title', label: '标题', type: 'text' }] });
    expect((await analyst.post('/api/reports', { key: 't_secret_count', name: '机密数', object: 't_secret', measures: [{ key: 'n', agg: 'count' }] })).status).toBe(201);
    await analyst.api.dashboards.create({
      key: 't_rm', name: 'RM', roles: ['rm'],
      widgets: [{ id: 'secret', report: 't_secret_count', layout: layout(0, 0) }, { id: 'seg', report: 'bank_aum_by_segment', layout: layout(6, 0) }],
    });
    const run = await rm.api.dashboards.run('t_rm');
    expect(widget(run, 'secret')).toEqual({ id: 'secret', report: 't_secret_count', restricted: true });
    expect(widget(run, 'seg').answer.rows.length).toBeGreaterThan(0);
    // A widget the customer manager cannot read offers nothing to cross-filter by.
    const picked = await rm.post('/api/dashboards/t_rm/run', { crossFilter: [{ widget: 'secret', field: 'title', value: 'x' }] });
    expect(picked.body.error.details[0]).toMatchObject({ path: '/crossFilter/0/field', code: 'unknown_field' });
    // The designer reads both.
    expect(widget(await analyst.api.dashboards.run('t_rm'), 'secret').answer.rows).toEqual([{ n: 0 }]);
  });
});

describe('running', () => {
  it("answers every widget in the viewer's row scope: a branch manager's numbers are those of their scoped list, compliance's the whole bank's", async () => {
    const m = await manager.api.dashboards.run('t_scoped');
    const c = await compliance.api.dashboards.run('t_scoped');
    expect(m.dashboard).toEqual({ key: 't_scoped', version: 1 });
    const listed = await manager.get('/api/records/customer?total=true&limit=1');
    expect(grand(widget(m, 'risk').answer, 'customers')).toBe(listed.body.total);
    expect(grand(widget(m, 'seg').answer, 'customers')).toBe(listed.body.total);
    const [all] = await sql(`SELECT count(*)::int AS n, sum(aum)::text AS aum FROM crm_data.customer WHERE deleted_at IS NULL`);
    expect(grand(widget(c, 'risk').answer, 'customers')).toBe(all!.n);
    expect(grand(widget(c, 'seg').answer, 'aum')).toBe(all!.aum);
    expect(listed.body.total).toBeLessThan(all!.n);
    expect(listed.body.total).toBeGreaterThan(0);
    expect(widget(c, 'risk').chartType).toBe('pie');
    expect(widget(c, 'seg').chartType).toBe('donut');
  });

  it('applies a dashboard filter only to the widgets whose report has the field', async () => {
    const [branch] = await sql(`SELECT u.id FROM crm.org_units u WHERE u.kind = 'branch' ORDER BY (SELECT count(*) FROM crm_data.customer c JOIN crm.org_units t ON t.id = c.org_unit_id WHERE u.id = ANY(t.path)) DESC LIMIT 1`);
    const run = await compliance.api.dashboards.run('t_scoped', { filters: { org: branch!.id, period: { from: '2024-01-01', to: '2025-06-30' } } });
    const [want] = await sql(
      `SELECT count(*)::int AS n FROM crm_data.customer c JOIN crm.org_units t ON t.id = c.org_unit_id
       WHERE c.deleted_at IS NULL AND $1 = ANY(t.path) AND c.created_at >= '2024-01-01T00:00:00+08:00' AND c.created_at < '2025-07-01T00:00:00+08:00'`,
      [branch!.id],
    );
    expect(want!.n).toBeGreaterThan(0);
    expect(grand(widget(run, 'risk').answer, 'customers')).toBe(want!.n);
    expect(widget(run, 'risk').applied).toMatchObject({ filters: ['org', 'period'], crossFilter: false });
    // The run options the widget was run with, for a drill-down or the records behind a cell.
    expect(widget(run, 'risk').applied.filter.$and).toHaveLength(2);
    // The product filter maps to `product`: loan applications have it, customers do not.
    const [product] = await sql(`SELECT id FROM crm_data.product WHERE deleted_at IS NULL ORDER BY code LIMIT 1`);
    const byProduct = await compliance.api.dashboards.run('t_scoped', { filters: { product: product!.id } });
    expect(widget(byProduct, 'loans').applied.filters).toEqual(['product']);
    expect(widget(byProduct, 'seg').applied.filters).toEqual([]);
    expect(grand(widget(byProduct, 'seg').answer, 'customers')).toBe((await sql(`SELECT count(*)::int AS n FROM crm_data.customer WHERE deleted_at IS NULL`))[0]!.n);
    // Bad values: 400 naming the filter.
    const bad = await compliance.post('/api/dashboards/t_scoped/run', { filters: { org: 'not-a-uuid' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ path: '/filters/org', code: 'invalid_org_unit' });
    expect((await compliance.post('/api/dashboards/t_scoped/run', { filters: { nope: 'x' } })).body.error.details[0]).toMatchObject({ code: 'unknown_filter' });
    expect((await compliance.post('/api/dashboards/t_scoped/run', { filters: { period: 'yesterday' } })).body.error.details[0]).toMatchObject({ code: 'invalid_value' });
    expect((await compliance.post('/api/dashboards/t_scoped/run', { filters: { period: { from: '2025-02-30' } } })).status).toBe(400);
  });

  it('applies a value picked in one widget as a cross filter to the other widgets with that field', async () => {
    const run = await compliance.api.dashboards.run('t_scoped', { crossFilter: [{ widget: 'seg', field: 'segment', value: 'mass' }] });
    const want = await sql(`SELECT risk_level, count(*)::int AS customers FROM crm_data.customer WHERE deleted_at IS NULL AND segment = 'mass' GROUP BY risk_level ORDER BY risk_level`);
    expect(widget(run, 'risk').answer.rows).toEqual(want);
    expect(widget(run, 'risk').applied.crossFilter).toBe(true);
    expect(widget(run, 'risk').applied.drill).toEqual([{ field: 'segment', value: 'mass' }]);
    // A cell of the cross-filtered widget lists its records with the options the widget was run with.
    const risk = widget(run, 'risk');
    const cell = risk.answer.rows[0];
    const f = await compliance.api.reports.cellFilter(risk.report, { filter: risk.applied.filter, drill: risk.applied.drill, cell: { risk_level: cell.risk_level } });
    expect((await compliance.api.records.query(f.object, { filter: f.filter, total: true, limit: 1 })).total).toBe(cell.customers);
    // The widget the value was picked in keeps every segment; loan applications have no segment field.
    expect(widget(run, 'seg').applied.crossFilter).toBe(false);
    expect(widget(run, 'seg').answer.rows.length).toBeGreaterThan(1);
    expect(widget(run, 'loans').applied.crossFilter).toBe(false);
    const bad = await compliance.post('/api/dashboards/t_scoped/run', { crossFilter: [{ widget: 'seg', field: 'nope', value: 'x' }] });
    expect(bad.body.error.details[0]).toMatchObject({ path: '/crossFilter/0/field', code: 'unknown_field' });
  });
});

describe('filter options', () => {
  const OPTS: DashboardDefinitionInput = {
    key: 't_options', name: { 'zh-CN': '筛选可选值', en: 'Filter options' }, roles: ['manager', 'rm', 'compliance'],
    filters: [
      { key: 'who', kind: 'owner', field: 'owner_id' },
      { key: 'product', kind: 'product', field: 'product' },
      { key: 'period', kind: 'date_range', field: 'created_at' },
    ],
    widgets: [
      { id: 'risk', report: 't_by_risk', layout: layout(0, 0) },
      { id: 'loans', report: 'bank_loan_pipeline', layout: layout(6, 0) },
      { id: 'holdings', report: 't_holdings', layout: layout(0, 4) },
    ],
  };
  beforeAll(async () => {
    const holdings = { key: 't_holdings', name: '持仓按产品', object: 'holding', measures: [{ key: 'n', agg: 'count' }], dimensions: [{ field: 'product' }] };
    expect((await analyst.post('/api/reports', holdings)).status).toBe(201);
    expect((await analyst.post('/api/dashboards', OPTS)).status).toBe(201);
  });

  it("offers the owners and products of the rows in the viewer's scope, labelled, with counts that match the records", async () => {
    const all = await compliance.api.dashboards.filterOptions('t_options', 'who');
    const want = await sql(`SELECT owner_id::text AS value, count(*)::text AS count FROM crm_data.customer WHERE deleted_at IS NULL AND owner_id IS NOT NULL GROUP BY owner_id`);
    expect(all.items.map((i) => [i.value, i.count]).sort()).toEqual(want.map((w) => [w.value, w.count]).sort());
    const [rmUser] = await sql(`SELECT id::text, display_name FROM crm.users WHERE username = 'rm'`);
    expect(all.items.find((i) => i.value === rmUser!.id)?.label).toBe(rmUser!.display_name);
    // A customer manager is offered the owners of the customers they may see, counted over those only.
    const mine = await rm.api.dashboards.filterOptions('t_options', 'who');
    expect(mine.items.map((i) => i.value)).toContain(rmUser!.id);
    expect(mine.items.length).toBeLessThan(all.items.length);
    for (const o of mine.items) {
      const listed = await rm.get(`/api/records/customer?total=true&limit=1&filter=${encodeURIComponent(JSON.stringify({ owner_id: o.value }))}`);
      expect([o.value, o.count]).toEqual([o.value, String(listed.body.total)]);
      expect(BigInt(o.count)).toBeLessThanOrEqual(BigInt(all.items.find((i) => i.value === o.value)!.count));
    }
    // Products come from the loan applications and the holdings (customers have no product field), by name.
    const products = await compliance.api.dashboards.filterOptions('t_options', 'product');
    const byProduct = await sql(
      `SELECT x.product::text AS value, p.name AS label FROM (SELECT product FROM crm_data.loan_application WHERE deleted_at IS NULL
       UNION SELECT product FROM crm_data.holding WHERE deleted_at IS NULL) x JOIN crm_data.product p ON p.id = x.product`,
    );
    expect(byProduct.length).toBeGreaterThan(0);
    expect(products.items.map((i) => [i.value, i.label]).sort()).toEqual(byProduct.map((w) => [w.value, w.label]).sort());
    // A product no loan application has keeps the count of its holdings (the next widget with the field).
    const [onlyHeld] = await sql(
      `SELECT h.product::text AS value, count(*)::text AS count FROM crm_data.holding h WHERE h.deleted_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM crm_data.loan_application l WHERE l.product = h.product AND l.deleted_at IS NULL) GROUP BY h.product LIMIT 1`,
    );
    expect(products.items.find((i) => i.value === onlyHeld!.value)?.count).toBe(onlyHeld!.count);
    // The search keeps the values whose label contains the text.
    const part = byProduct[0]!.label.slice(0, 2);
    const found = await compliance.api.dashboards.filterOptions('t_options', 'product', part);
    expect(found.items.length).toBeGreaterThan(0);
    expect(found.items.every((i) => i.label.includes(part))).toBe(true);
  });

  it("offers the designer the fields a filter can map to, with the kinds each fits and the widgets' reports that have it", async () => {
    const both = (await analyst.api.dashboards.filterFields(['bank_aum_by_segment', 'bank_loan_pipeline'])).items;
    const at = (f: string) => both.find((x) => x.field === f);
    // System columns every object has: first, for both reports.
    expect(at('created_at')).toMatchObject({ label: '创建时间', type: 'datetime', kinds: ['date_range'], reports: ['bank_aum_by_segment', 'bank_loan_pipeline'] });
    expect(at('org_unit_id')).toMatchObject({ kinds: ['org_unit'] });
    expect(at('owner_id')).toMatchObject({ kinds: ['owner'] });
    expect(both.some((x) => x.kinds.includes('product') && x.type === 'select')).toBe(true);
    // One hop through a relation, labelled by the relation.
    const hop = both.find((x) => x.field.includes('.'));
    expect(hop?.label).toContain(' / ');
    const dates = (await analyst.api.dashboards.filterFields(['bank_loan_pipeline'], 'date_range')).items;
    expect(dates.length).toBeGreaterThan(1);
    expect(dates.every((x) => x.kinds.join() === 'date_range' && x.reports.join() === 'bank_loan_pipeline')).toBe(true);
    const unknown = await analyst.get('/api/dashboards/filter-fields?reports=bank_loan_pipeline,nope');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0]).toMatchObject({ path: '/reports/1', code: 'unknown_report' });
    expect((await analyst.get('/api/dashboards/filter-fields?reports=bank_loan_pipeline&kind=nope')).status).toBe(400);
    expect((await analyst.get('/api/dashboards/filter-fields')).status).toBe(400);
    expect((await rm.get('/api/dashboards/filter-fields?reports=bank_loan_pipeline')).status).toBe(403);
  });

  it('refuses a date filter, an unknown filter and a dashboard the viewer may not see', async () => {
    const date = await compliance.get('/api/dashboards/t_options/filters/period/options');
    expect(date.status).toBe(400);
    expect(date.body.error.details[0]).toMatchObject({ code: 'no_options' });
    expect((await compliance.get('/api/dashboards/t_options/filters/nope/options')).body.error.details[0]).toMatchObject({ code: 'unknown_filter' });
    expect((await rm.get('/api/dashboards/t_scoped/filters/product/options')).status).toBe(404);
    expect((await compliance.get(`/api/dashboards/t_options/filters/who/options?q=${'x'.repeat(101)}`)).status).toBe(400);
    expect((await compliance.get('/api/dashboards/t_options/filters/who/options?other=1')).status).toBe(400);
  });
});

describe('KPI comparison', () => {
  const counts = async (from: string, to: string) =>
    (await sql(`SELECT count(*)::int AS n FROM crm_data.customer WHERE deleted_at IS NULL AND created_at >= $1::date::timestamp AT TIME ZONE 'Asia/Shanghai' AND created_at < ($2::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'`, [from, to]))[0]!.n as number;
  const change = async (a: number, b: number) => (await sql(`SELECT round(($1::numeric - $2::numeric) / NULLIF($2::numeric, 0), 4)::text AS c`, [a, b]))[0]!.c as string | null;

  it('answers the period, the previous period of the same length and the change as a decimal string', async () => {
    const r = await compliance.api.reports.run('bank_new_customers_kpi', { period: { from: '2025-03-01', to: '2025-03-31' } });
    const now = await counts('2025-03-01', '2025-03-31');
    const before = await counts('2025-02-01', '2025-02-28');
    expect(r.comparison).toEqual({
      field: 'created_at', against: 'previous_period', period: { from: '2025-03-01', to: '2025-03-31' }, previousPeriod: { from: '2025-02-01', to: '2025-02-28' },
      measures: [{ key: 'customers', value: String(now), previous: String(before), change: await change(now, before) }],
    });
    expect(r.rows).toEqual([{ customers: now }]);
    // Any other range: the same number of days before it.
    const days = await compliance.api.reports.run('bank_new_customers_kpi', { period: { from: '2025-03-10', to: '2025-03-19' } });
    expect(days.comparison!.previousPeriod).toEqual({ from: '2025-02-28', to: '2025-03-09' });
    expect(days.comparison!.measures[0]!.previous).toBe(String(await counts('2025-02-28', '2025-03-09')));
  });

  it('compares with the same period last year, in the viewer scope, and through a dashboard date filter', async () => {
    const def = { name: 'KPI', object: 'customer', measures: [{ key: 'n', agg: 'count' }, { key: 'aum', agg: 'sum', field: 'aum' }], chart: { type: 'kpi', options: { compare: { field: 'created_at', against: 'same_period_last_year' } } } };
    const q = await analyst.post('/api/reports/query', def);
    expect(q.status).toBe(200);
    expect(q.body.comparison.against).toBe('same_period_last_year');
    await analyst.api.reports.create({ ...def, key: 't_kpi_yoy' } as never);
    const r = await compliance.api.reports.run('t_kpi_yoy', { period: { from: '2025-01-01', to: '2025-06-30' } });
    expect(r.comparison!.previousPeriod).toEqual({ from: '2024-01-01', to: '2024-06-30' });
    const [a] = await sql(`SELECT count(*)::int AS n, sum(aum)::text AS aum FROM crm_data.customer WHERE deleted_at IS NULL AND created_at >= '2025-01-01T00:00:00+08:00' AND created_at < '2025-07-01T00:00:00+08:00'`);
    const [b] = await sql(`SELECT count(*)::int AS n, sum(aum)::text AS aum FROM crm_data.customer WHERE deleted_at IS NULL AND created_at >= '2024-01-01T00:00:00+08:00' AND created_at < '2024-07-01T00:00:00+08:00'`);
    const aumChange = (await sql(`SELECT round(($1::numeric - $2::numeric) / NULLIF($2::numeric, 0), 4)::text AS c`, [a!.aum, b!.aum]))[0]!.c;
    expect(r.comparison!.measures).toEqual([
      { key: 'n', value: String(a!.n), previous: String(b!.n), change: await change(a!.n, b!.n) },
      { key: 'aum', value: a!.aum, previous: b!.aum, change: aumChange },
    ]);
    // The branch manager's comparison counts only their rows.
    const m = await manager.api.reports.run('t_kpi_yoy', { period: { from: '2025-01-01', to: '2025-06-30' } });
    expect(Number(m.comparison!.measures[0]!.value)).toBeLessThan(a!.n);
    // A dashboard date range on the compared field becomes the KPI's period.
    await analyst.api.dashboards.create({
      key: 't_kpi_dash', name: 'KPI', roles: ['compliance'], filters: [{ key: 'period', kind: 'date_range', field: 'created_at' }],
      widgets: [{ id: 'k', report: 't_kpi_yoy', layout: layout(0, 0, 3, 2) }],
    });
    const d = await compliance.api.dashboards.run('t_kpi_dash', { filters: { period: { from: '2025-01-01', to: '2025-06-30' } } });
    expect(widget(d, 'k').answer.comparison).toEqual(r.comparison);
    // A compare on a field that is not a date: 400.
    const bad = await analyst.post('/api/reports', { ...def, key: 't_kpi_bad', chart: { type: 'kpi', options: { compare: { field: 'segment' } } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ code: 'not_a_date' });
  });
});

describe('the bank pack', () => {
  it('ships four dashboards on its reports, and every one runs without error for every demo role that sees it', async () => {
    const users = ['rm', 'manager', 'compliance', 'analyst', 'auditor', 'approver'];
    const seen: Record<string, string[]> = {};
    for (const u of users) {
      const c = await as(srv.baseUrl, u);
      const list = (await c.api.dashboards.list()).map((d) => d.key).filter((k) => k.startsWith('bank_'));
      seen[u] = list;
      for (const key of list) {
        const run = await c.api.dashboards.run(key);
        for (const w of run.widgets) {
          expect({ user: u, dashboard: key, widget: w.id, error: w.error }).toEqual({ user: u, dashboard: key, widget: w.id, error: undefined });
          if (!w.restricted) expect(Array.isArray(w.answer!.rows)).toBe(true);
        }
      }
    }
    // In workbench order (the pack's `order`, then key).
    expect(seen.rm).toEqual(['bank_rm_workbench', 'bank_marketing_board']);
    expect(seen.manager).toEqual(['bank_president_cockpit', 'bank_rm_workbench', 'bank_marketing_board']);
    expect(seen.compliance).toEqual(['bank_compliance_board', 'bank_president_cockpit']);
    expect(seen.analyst).toEqual(['bank_compliance_board', 'bank_president_cockpit', 'bank_rm_workbench', 'bank_marketing_board']);
    expect(seen.auditor).toEqual([]);
    // 24 months of month-end balances make the trend real: one point per month, money as decimal strings.
    const cockpit = await compliance.api.dashboards.run('bank_president_cockpit');
    const trend = widget(cockpit, 'aum_trend').answer;
    expect(trend.rows).toHaveLength(24);
    for (const row of trend.rows) expect(row.aum).toMatch(/^\d+\.\d{2}$/);
    const [sum] = await sql(`SELECT sum(aum)::text AS aum FROM crm_data.balance_snapshot WHERE deleted_at IS NULL AND snapshot_date = (SELECT max(snapshot_date) FROM crm_data.balance_snapshot)`);
    expect(trend.rows[23].aum).toBe(sum!.aum);
    expect(widget(cockpit, 'new_kpi').answer.comparison.measures[0].key).toBe('customers');
    // The cockpit drills from branch down to the customer managers (the pack's drill hierarchy), with a FEEL measure per customer.
    const drill = widget(cockpit, 'branch_drill').answer;
    expect(drill.hierarchies[0]).toMatchObject({ current: 'branch', depth: 0, levels: [{ key: 'branch' }, { key: 'sub_branch' }, { key: 'team' }, { key: 'cm' }] });
    const [all] = await sql(`SELECT count(*)::int AS n FROM crm_data.customer WHERE deleted_at IS NULL`);
    expect(grand(drill, 'customers')).toBe(all!.n);
    for (const row of drill.rows) if (row.customers > 0 && row.aum !== null) expect(row.aum_per_customer).toMatch(/^\d+\.\d{2}$/);
    // The workbench's owner filter: "$me" is the caller.
    const mineOnly = await rm.api.dashboards.run('bank_rm_workbench', { filters: { owner: '$me' } });
    const [own] = await sql(`SELECT count(*)::int AS n FROM crm_data.customer WHERE deleted_at IS NULL AND owner_id = (SELECT id FROM crm.users WHERE username = 'rm')`);
    expect(grand(widget(mineOnly, 'aum_segment').answer, 'customers')).toBe(own!.n);
    // 营销活动分析 over the demo bank's sample campaign: the branch manager's members are those of their readable customers.
    const sample = (await sql(`SELECT id::text AS id FROM crm.campaigns WHERE spec->>'key' = 'bank_cd_promo'`))[0]!.id as string;
    const board = async (c: typeof rm) => widget(await c.api.dashboards.run('bank_marketing_board'), 'campaigns').answer.rows.find((r: Row) => r.campaign === sample);
    const [whole, branch] = await Promise.all([board(analyst), board(manager)]);
    const [members] = await sql(`SELECT count(*) FILTER (WHERE grp = 'target')::int AS t, count(*) FILTER (WHERE status = 'converted' AND grp = 'target')::int AS c FROM crm.campaign_members WHERE campaign_id = $1`, [sample]);
    expect([whole.targeted, whole.converted]).toEqual([members!.t, members!.c]);
    expect(whole.converted).toBeGreaterThan(0);
    expect(whole.cost).toBe('18500.00');
    expect(branch?.targeted ?? 0).toBeLessThan(whole.targeted);
  });
});
