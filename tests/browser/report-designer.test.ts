/**
 * The report screens in headless Chromium against the real server: an analyst builds a pivot of AUM
 * (sum of holding balances) by branch × category, saves it and sees the same numbers the API answers;
 * a monthly trend by branch drills from branches to months with a breadcrumb back; the records behind
 * a table cell open in the records list; both reports go on a dashboard shared with the customer managers,
 * where a click in one widget filters the other; a customer manager sees only the menus their rights
 * allow and finds the dashboard on the workbench.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { type BrowserSession, type Watched, apiCall, browserSession, choose, realErrors, shot, signIn, signOut, waitCount } from './browser.js';
import { until } from '../harness/until.js';
import { as } from '../harness/http.js';

type Row = Record<string, any>;
const SUFFIX = Date.now().toString(36).slice(-5);

/** `1234567.5` → `1,234,567.5`, as the screen prints decimal strings. */
const grouped = (s: string | number) => String(s).replace(/^(-?)(\d+)/, (_, sign: string, int: string) => sign + int.replace(/\B(?=(\d{3})+(?!\d))/g, ','));

async function previewSettled(page: Page) {
  await page.locator('[data-testid=preview-ready][data-fetching=false]').waitFor();
}

/** Opens a new report on `object` (an option of the object picker), waits for one of its fields in the palette, names it. */
async function newReport(page: Page, base: string, object: string | RegExp, field: string, name: string, key: string) {
  await page.goto(`${base}/reports/new`);
  await choose(page, '[data-testid=report-object]', object);
  await page.locator(`[data-testid=field-palette] [data-field="${field}"]`).waitFor();
  await page.fill('[data-testid=report-name]', name);
  await page.fill('[data-testid=report-key]', key);
}

describe('report designer and viewer', () => {
  const session = browserSession();
  let srv: BrowserSession['srv'];
  let w: Watched;
  let page: Page;
  const PIVOT = `aum_branch_cat_${SUFFIX}`;
  const TREND = `aum_trend_${SUFFIX}`;
  const DASH = `branch_board_${SUFFIX}`;

  beforeAll(async () => {
    ({ srv, w, page } = session);
    // The demo analyst reads only the records they created; this one also holds the compliance role
    // (every customer and holding), as a bank's reporting analyst would.
    const admin = await as(srv.baseUrl, 'admin');
    const users = await admin.get('/api/admin/users');
    const analyst = (users.body.items ?? users.body).find((u: Row) => u.username === 'analyst');
    const grant = await admin.patch(`/api/admin/users/${analyst.id}`, { roles: ['analyst', 'compliance'] });
    if (grant.status === 202) {
      // A grant of a role is approved by another duty holder (four eyes): the security administrator.
      const security = await as(srv.baseUrl, 'security');
      const id = grant.body.approval.id;
      expect((await security.post(`/api/admin/role-grants/${id}/approve`)).status).toBe(200);
    } else expect(grant.status).toBe(200);
  });

  it('an analyst builds a pivot of AUM by branch × category; the preview and the saved report equal the API', async () => {
    await signIn(page, srv.baseUrl, 'analyst');
    await page.locator('[data-testid=main-menu]').getByText('报表', { exact: true }).click();
    await page.waitForURL(/\/reports$/);
    await page.click('[data-testid=new-report]');
    await page.waitForURL(/\/reports\/new$/);
    await choose(page, '[data-testid=report-object]', '金融资产持有');
    await page.locator('[data-testid=field-palette] [data-field="customer.org_unit_id"]').waitFor();
    await page.fill('[data-testid=report-name]', '各分行产品类别 AUM');
    await page.fill('[data-testid=report-key]', PIVOT);
    await choose(page, '[data-testid=add-rows]', '客户 / 所属机构');
    await page.locator('[data-testid=row-dim-0][data-key="customer.org_unit_id_l2"]').waitFor();
    // Drag and drop: the category field onto the columns zone.
    await page.locator('[data-testid=field-palette] [data-field="category"]').dragTo(page.locator('[data-testid=zone-columns]'));
    await page.locator('[data-testid=col-dim-0][data-key="category"]').waitFor();
    await choose(page, '[data-testid=add-measures]', '余额');
    await page.locator('[data-testid=measure-1]').waitFor();
    await choose(page, '[data-testid=chart-type]', '透视表');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=report-pivot]').waitFor();
    await previewSettled(page);
    await shot(page, 'reports-01-designer-pivot');

    // The preview's grand total equals the API's answer to the same definition.
    const def = {
      object: 'holding', measures: [{ key: 'n', agg: 'count' }, { key: 'sum_balance', agg: 'sum', field: 'balance' }],
      dimensions: [{ field: 'customer.org_unit_id', key: 'customer.org_unit_id_l2', level: 2 }, { field: 'category' }],
      pivot: { rows: ['customer.org_unit_id_l2'], columns: ['category'] },
    };
    const q = await apiCall(page, 'POST', '/api/reports/query', def);
    expect(q.status).toBe(200);
    const grand = q.body.totals.find((t: Row) => t.$collapsed.length === 2);
    const pivot = page.locator('[data-testid=report-pivot]');
    await pivot.locator('[data-cell="total:sum_balance"]', { hasText: grouped(grand.sum_balance) }).first().waitFor();
    await pivot.locator('[data-cell="total:n"]', { hasText: grouped(grand.n) }).first().waitFor();

    await page.click('[data-testid=save-report]');
    await page.waitForURL(new RegExp(`/reports/${PIVOT}/edit$`));
    await page.locator('[data-testid=report-version]', { hasText: 'v1' }).waitFor();

    // The saved report, run in the viewer: every row total and the grand total as the API answers.
    await page.click('[data-testid=open-viewer]');
    await page.waitForURL(new RegExp(`/reports/${PIVOT}$`));
    const run = await apiCall(page, 'POST', `/api/reports/${PIVOT}/run`, { pivot: def.pivot });
    expect(run.status).toBe(200);
    const branchCol = run.body.columns.find((c: Row) => c.key === 'customer.org_unit_id_l2');
    const rowTotals = run.body.totals.filter((t: Row) => t.$collapsed.length === 1 && t.$collapsed[0] === 'category');
    expect(rowTotals.length).toBeGreaterThan(1);
    const viewer = page.locator('[data-testid=report-viewer] [data-testid=report-pivot]');
    await viewer.waitFor();
    for (const t of rowTotals) {
      const line = viewer.locator('tr', { has: page.locator('[data-row-head="customer.org_unit_id_l2"]', { hasText: branchCol.labels[t['customer.org_unit_id_l2']] ?? '（空）' }) });
      await expect(line.locator('[data-cell="total:sum_balance"]').textContent()).resolves.toBe(grouped(t.sum_balance));
    }
    await expect(viewer.locator('[data-cell="total:sum_balance"]').last().textContent()).resolves.toBe(grouped(run.body.totals.find((t: Row) => t.$collapsed.length === 2).sum_balance));
    await shot(page, 'reports-02-viewer-pivot');

    // Export: the button waits while the file downloads; the CSV carries the branch labels and a total line.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-csv]')]);
    expect(download.suggestedFilename()).toBe(`${PIVOT}.csv`);
    const csv = await new Promise<string>((resolve, reject) => {
      void download.createReadStream().then((s) => { const parts: Buffer[] = []; s.on('data', (c: Buffer) => parts.push(c)); s.on('end', () => resolve(Buffer.concat(parts).toString('utf8'))); s.on('error', reject); });
    });
    expect(csv).toContain(branchCol.labels[rowTotals[0]['customer.org_unit_id_l2']]);
    expect(csv).toMatch(/合计/);
    await page.locator('[data-testid=export-csv]:not([disabled])').waitFor();

    // Drill: a branch's row header narrows the report to it; the breadcrumb leads back.
    const first = rowTotals[0];
    await viewer.locator('[data-row-head="customer.org_unit_id_l2"]', { hasText: branchCol.labels[first['customer.org_unit_id_l2']] }).first().click();
    await page.locator('[data-testid=crumb-1]').waitFor();
    await until(async () => (await viewer.locator('[data-row-head]').count()) === 1, { ms: 10_000, everyMs: 100, what: 'one branch after the drill' });
    await expect(viewer.locator('[data-cell="total:sum_balance"]').last().textContent()).resolves.toBe(grouped(first.sum_balance));
    await shot(page, 'reports-03-viewer-drilled');
    await page.click('[data-testid=crumb-0]');
    await until(async () => (await viewer.locator('[data-row-head]').count()) === rowTotals.length, { ms: 10_000, everyMs: 100, what: 'every branch again' });
    expect(realErrors(w.errors)).toEqual([]);
  }, 180_000);

  it('a monthly trend by branch drills from branches to months (column chart), with relative dates', async () => {
    await newReport(page, srv.baseUrl, '金融资产持有', 'opened_at', 'AUM 月度趋势', TREND);
    await choose(page, '[data-testid=add-rows]', '客户 / 所属机构');
    await choose(page, '[data-testid=add-rows]', '开立日期');
    await page.locator('[data-testid=row-dim-1][data-key="opened_at_month"]').waitFor();
    await choose(page, '[data-testid=add-measures]', '余额');
    await page.locator('[data-testid=measure-1]').waitFor();
    await choose(page, '[data-testid=add-filters]', '开立日期');
    await choose(page, '[data-testid=condition-0-value]', '最近 12 个月');
    await choose(page, '[data-testid=chart-type]', '柱形图');
    await page.keyboard.press('Escape');
    // A field the server refuses as a dimension (an identity number, masked): its 400 names the field.
    await choose(page, '[data-testid=add-columns]', '客户 / 身份证号');
    await page.locator('[data-testid=report-preview] .ant-alert-error', { hasText: 'customer.id_number' }).waitFor();
    await shot(page, 'reports-04a-designer-error');
    await page.locator('[data-testid=col-dim-0] button').click();
    await page.locator('[data-testid=report-preview] .ant-alert-error').waitFor({ state: 'detached' });
    await page.locator('[data-testid=report-preview] [data-testid=report-chart]').waitFor();
    await previewSettled(page);
    await shot(page, 'reports-04-designer-trend');
    await page.click('[data-testid=save-report]');
    await page.waitForURL(new RegExp(`/reports/${TREND}/edit$`));
    await page.click('[data-testid=open-viewer]');
    await page.waitForURL(new RegExp(`/reports/${TREND}$`));
    const chart = page.locator('[data-testid=report-viewer] [data-testid=report-chart]');
    await chart.waitFor();
    // Level one: the branches (the server's subtotals over the months).
    const run = await apiCall(page, 'POST', `/api/reports/${TREND}/run`, { pivot: { rows: ['customer.org_unit_id_l2', 'opened_at_month'], columns: [] } });
    const branchCol = run.body.columns.find((c: Row) => c.key === 'customer.org_unit_id_l2');
    const branches = run.body.totals.filter((t: Row) => t.$collapsed.length === 1);
    expect(JSON.parse((await chart.getAttribute('data-categories'))!)).toEqual(branches.map((t: Row) => branchCol.labels[t['customer.org_unit_id_l2']] ?? '（空）'));
    await shot(page, 'reports-05-viewer-trend');
    // Click the first bar: the chart shows that branch's months.
    const box = (await chart.locator('canvas').first().boundingBox())!;
    const months = run.body.rows.filter((r: Row) => r['customer.org_unit_id_l2'] === branches[0]['customer.org_unit_id_l2']).map((r: Row) => r.opened_at_month);
    await clickFirstBar(page, box, branches.length);
    await page.locator('[data-testid=crumb-1]').waitFor();
    await until(async () => JSON.stringify(JSON.parse((await chart.getAttribute('data-categories'))!)) === JSON.stringify(months), { ms: 10_000, everyMs: 100, what: 'the months of the first branch' });
    await shot(page, 'reports-06-viewer-trend-drilled');
    await page.click('[data-testid=crumb-0]');
    await page.locator('[data-testid=crumb-1]').waitFor({ state: 'detached' });
    expect(realErrors(w.errors)).toEqual([]);
  }, 180_000);

  it('an analyst draws a drill path branch → sub-branch → team → customer manager in the designer; it is saved, reopened and drilled in the viewer', async () => {
    const key = `drill_path_${SUFFIX}`;
    await newReport(page, srv.baseUrl, /^客户$/, 'kyc_status', '分行客户数（可下钻）', key);
    await choose(page, '[data-testid=add-rows]', '所属机构');
    await page.locator('[data-testid=row-dim-0][data-key="org_unit_id_l2"]').waitFor();
    await choose(page, '[data-testid=chart-type]', '表格');
    await page.click('[data-testid=add-drill]');
    // Starts at the branch (the only dimension); the same field offers the next org level each time.
    await page.locator('[data-testid=drill-0]', { hasText: '所属机构 · 分行' }).waitFor();
    await choose(page, '[data-testid=drill-0-add]', '所属机构');
    await page.locator('[data-testid=drill-0-level-0][data-key="org_unit_id_l3"]').waitFor();
    await choose(page, '[data-testid=drill-0-add]', '所属机构');
    await page.locator('[data-testid=drill-0-level-1][data-key="org_unit_id_l4"]').waitFor();
    await choose(page, '[data-testid=drill-0-add]', '负责人');
    await page.locator('[data-testid=drill-0-level-2][data-key="owner_id"]').waitFor();
    // A level the path already has is refused with a message, not added twice.
    await choose(page, '[data-testid=drill-0-add]', '负责人');
    await page.locator('.ant-message', { hasText: '已在报表中' }).waitFor();
    expect(await page.locator('[data-testid^=drill-0-level-][data-key]').count()).toBe(3);
    await previewSettled(page);
    // The first level taken off the rows: the path says so, and the server's answer names the path.
    await page.locator('[data-testid=row-dim-0] button').click();
    await page.locator('[data-testid=drill-0]', { hasText: '起始维度已不在行或列中' }).waitFor();
    // The path still names the dimension it started from, not a column key.
    await page.locator('[data-testid=drill-0]', { hasText: '所属机构 · 分行' }).waitFor();
    await page.locator('[data-testid=report-preview] .ant-alert-error', { hasText: '下钻层级的第一层须为报表的维度' }).waitFor();
    await shot(page, 'reports-03c-designer-drill-missing-base');
    await choose(page, '[data-testid=add-rows]', '所属机构');
    await page.locator('[data-testid=report-preview] .ant-alert-error').waitFor({ state: 'detached' });
    await previewSettled(page);
    await shot(page, 'reports-03b-designer-drill-path');
    await page.click('[data-testid=save-report]');
    await page.waitForURL(new RegExp(`/reports/${key}/edit$`));
    const saved = (await apiCall(page, 'GET', `/api/reports/${key}`)).body;
    expect(saved.hierarchies).toEqual([{ levels: [
      { field: 'org_unit_id', key: 'org_unit_id_l2', level: 2 }, { field: 'org_unit_id', key: 'org_unit_id_l3', level: 3, label: { 'zh-CN': '支行', en: 'Sub-branch' } },
      { field: 'org_unit_id', key: 'org_unit_id_l4', level: 4, label: { 'zh-CN': '团队', en: 'Team' } }, { field: 'owner_id' },
    ] }]);
    // Reopened, the designer shows the path as saved.
    await page.reload();
    await page.locator('[data-testid=drill-0-level-2][data-key="owner_id"]').waitFor();
    await previewSettled(page);
    // The viewer: a click on the first branch shows its sub-branches, adding up to the branch.
    await page.click('[data-testid=open-viewer]');
    await page.waitForURL(new RegExp(`/reports/${key}$`));
    const table = page.locator('[data-testid=report-viewer] [data-testid=report-table]');
    const first = table.locator('tbody tr:has([data-cell=n]):not(:has(.report-total))').first();
    await first.waitFor();
    const n = Number((await first.locator('[data-cell=n]').textContent())!.replace(/,/g, ''));
    await first.click();
    await page.locator('[data-testid=crumb-1]').waitFor();
    const top = (await apiCall(page, 'POST', `/api/reports/${key}/run`, {})).body;
    const branch = top.rows.find((r: Row) => String(r.n) === String(n))!.org_unit_id_l2;
    const down = (await apiCall(page, 'POST', `/api/reports/${key}/run`, { drill: [{ field: 'org_unit_id_l2', value: branch }] })).body;
    expect(down.hierarchies[0].current).toBe('org_unit_id_l3');
    expect(down.rows.reduce((a: number, r: Row) => a + Number(r.n), 0)).toBe(n);
    const subLabel = down.columns.find((c: Row) => c.key === 'org_unit_id_l3').label;
    expect(subLabel).toBe('支行');
    await page.locator('[data-testid=report-viewer] th', { hasText: subLabel }).first().waitFor();
    await page.locator('[data-testid=viewer-ready][data-fetching=false]').waitFor();
    expect(await table.locator('tbody tr:has([data-cell=n]):not(:has(.report-total))').count()).toBe(down.rows.length);
    await shot(page, 'reports-06b-viewer-drill-path');
    expect(realErrors(w.errors)).toEqual([]);
  }, 180_000);

  it('"view records" on a table cell opens the records behind it', async () => {
    const key = `holdings_by_cat_${SUFFIX}`;
    const created = await apiCall(page, 'POST', '/api/reports', { key, name: { 'zh-CN': '按类别持仓', en: 'By category' }, object: 'holding', measures: [{ key: 'n', agg: 'count' }], dimensions: [{ field: 'category' }], chart: { type: 'table' } });
    expect(created.status).toBe(201);
    await page.goto(`${srv.baseUrl}/reports/${key}`);
    const table = page.locator('[data-testid=report-viewer] [data-testid=report-table]');
    await table.locator('[data-testid=view-records]').first().waitFor();
    const n = Number((await table.locator('[data-cell=n]').first().textContent())!.replace(/,/g, ''));
    await table.locator('[data-testid=view-records]').first().click();
    await page.waitForURL(/\/records\/holding\?filter=/);
    await page.locator('[data-testid=url-filter]').waitFor();
    await page.locator('[data-testid=record-list] .vlist-row').first().waitFor();
    // The list's filter is the cell's: the same number of records as the cell counts.
    const filter = new URL(page.url()).searchParams.get('filter')!;
    const list = await apiCall(page, 'GET', `/api/records/holding?total=true&limit=1&filter=${encodeURIComponent(filter)}`);
    expect(list.body.total).toBe(n);
    await shot(page, 'reports-07-records-behind-cell');
  }, 120_000);

  it('an analyst adds a ratio and a FEEL formula over the measures; the preview equals the API and the saved report reopens with them', async () => {
    const key = `balance_per_holding_${SUFFIX}`;
    await newReport(page, srv.baseUrl, '金融资产持有', 'category', '各类别笔均余额', key);
    await choose(page, '[data-testid=add-rows]', '类别');
    await page.locator('[data-testid=row-dim-0][data-key="category"]').waitFor();
    await choose(page, '[data-testid=add-measures]', '余额');
    await page.locator('[data-testid=measure-1]').waitFor();
    await choose(page, '[data-testid=chart-type]', '表格');
    await page.keyboard.press('Escape');
    // A ratio: the balance's sum over the row count, named 笔均余额.
    await page.click('[data-testid=add-ratio]');
    await page.fill('[data-testid=computed-0-name]', '笔均余额');
    await choose(page, '[data-testid=computed-0-numerator]', '(sum_balance)');
    // The numerator's list (the same options) closes first.
    await waitCount(page.locator('.ant-select-dropdown:visible'), 0);
    await choose(page, '[data-testid=computed-0-denominator]', '(n)');
    // A FEEL formula: the sum in units of ten thousand, four decimals.
    await page.click('[data-testid=add-feel]');
    await page.fill('[data-testid=computed-1-name]', '余额（万元）');
    await page.fill('[data-testid=computed-1-expression]', 'sum_balance / 10000');
    await page.locator('input[data-testid=computed-1-scale], [data-testid=computed-1-scale] input').first().fill('4');
    const def = {
      object: 'holding', dimensions: [{ field: 'category' }], chart: { type: 'table' },
      measures: [
        { key: 'n', agg: 'count' }, { key: 'sum_balance', agg: 'sum', field: 'balance' },
        { key: 'ratio_1', agg: 'ratio', numerator: 'sum_balance', denominator: 'n', label: { en: '笔均余额', 'zh-CN': '笔均余额' } },
        { key: 'calc_1', agg: 'feel', expression: 'sum_balance / 10000', scale: 4, label: { en: '余额（万元）', 'zh-CN': '余额（万元）' } },
      ],
    };
    const q = await apiCall(page, 'POST', '/api/reports/query', def);
    expect(q.status).toBe(200);
    const deposit = q.body.rows.find((r: Row) => r.category === 'deposit') ?? q.body.rows[0];
    expect(String(deposit.calc_1)).toMatch(/^\d+\.\d{4}$/);
    const table = page.locator('[data-testid=report-preview] [data-testid=report-table]');
    // The preview shows the API's exact figures and the columns under their names.
    const line = table.locator('tr', { has: page.locator('[data-cell=category]', { hasText: q.body.columns.find((c: Row) => c.key === 'category').labels[deposit.category] }) });
    await line.locator('[data-cell=ratio_1]', { hasText: grouped(deposit.ratio_1) }).waitFor();
    await line.locator('[data-cell=calc_1]', { hasText: grouped(deposit.calc_1) }).waitFor();
    await table.locator('th', { hasText: '笔均余额' }).waitFor();
    await shot(page, 'reports-04b-designer-computed');
    await page.click('[data-testid=save-report]');
    await page.waitForURL(new RegExp(`/reports/${key}/edit$`));
    await page.locator('[data-testid=report-version]', { hasText: 'v1' }).waitFor();
    const saved = await apiCall(page, 'GET', `/api/reports/${key}`);
    expect(saved.body.measures).toEqual(def.measures);
    // Reopened, the designer shows both as they were saved.
    await page.reload();
    await page.locator('[data-testid=computed-0][data-key=ratio_1]').waitFor();
    expect(await page.locator('[data-testid=computed-0-name]').inputValue()).toBe('笔均余额');
    expect(await page.locator('[data-testid=computed-1-expression]').inputValue()).toBe('sum_balance / 10000');
    // A formula naming no measure is refused with the server's reason, and nothing is saved.
    await page.fill('[data-testid=computed-1-expression]', 'no_such_measure * 2');
    await page.locator('[data-testid=report-preview] .ant-alert-error').waitFor();
    expect(realErrors(w.errors)).toEqual([]);
  }, 120_000);

  it('a pack report saved unchanged from the designer keeps its definition: names, chart options, combined filters, FEEL measures, hierarchies', async () => {
    for (const key of ['bank_new_customers_kpi', 'bank_kyc_due', 'bank_customers_by_branch', 'bank_pipl_open_by_right', 'bank_campaign_analysis']) {
      const before = (await apiCall(page, 'GET', `/api/reports/${key}`)).body;
      await page.goto(`${srv.baseUrl}/reports/${key}/edit`);
      await page.locator('[data-testid=report-version]', { hasText: `v${before.version}` }).waitFor();
      await previewSettled(page);
      await page.click('[data-testid=save-report]');
      await page.locator('[data-testid=report-version]', { hasText: `v${before.version + 1}` }).waitFor();
      const after = (await apiCall(page, 'GET', `/api/reports/${key}`)).body;
      // A dimension's key equal to its field is the default: the designer does not write it.
      const definition = (r: Row) => {
        const { version: _v, updatedAt: _u, ...rest } = r;
        return { ...rest, dimensions: (rest.dimensions ?? []).map((x: Row) => (x.key === x.field ? (({ key: _k, ...y }) => y)(x) : x)) };
      };
      expect([key, definition(after)]).toEqual([key, definition(before)]);
    }
    await page.goto(`${srv.baseUrl}/reports/bank_kyc_due/edit`);
    await page.locator('[data-testid=kept-filter]').waitFor();
    await previewSettled(page);
    await shot(page, 'reports-04c-designer-kept-filter');
  }, 120_000);

  it('an analyst lays out a dashboard of both reports, shares it with customer managers; a click in one widget filters the other', async () => {
    await page.goto(`${srv.baseUrl}/dashboards`);
    await page.click('[data-testid=new-dashboard]');
    await page.waitForURL(/\/dashboards\/new$/);
    await page.fill('[data-testid=dashboard-name]', '分行经营看板');
    await page.fill('[data-testid=dashboard-key]', DASH);
    await choose(page, '[data-testid=add-widget]', '各分行产品类别 AUM');
    await choose(page, '[data-testid=add-widget]', 'AUM 月度趋势');
    await page.locator('[data-testid=dashboard-grid] [data-widget=w2]').waitFor();
    await choose(page, '[data-testid=dashboard-roles]', 'rm');
    await page.keyboard.press('Escape');
    // First on the workbench of those it is shared with (the pack's own boards are 10 and later).
    await page.locator('input[data-testid=dashboard-order], [data-testid=dashboard-order] input').first().fill('5');
    // Filters: fields picked from those of the widgets' objects that fit the kind.
    await page.click('[data-testid=add-dashboard-filter]');
    await choose(page, '[data-testid=dashboard-filter-0-field]', '开立日期');
    await page.click('[data-testid=add-dashboard-filter]');
    await page.fill('[data-testid=dashboard-filter-1-label]', '产品大类');
    await choose(page, '[data-testid=dashboard-filter-1-kind]', '取值');
    await choose(page, '[data-testid=dashboard-filter-1-field]', '产品 / 产品大类（2/2 个报表）');
    await shot(page, 'reports-09-dashboard-designer');
    await page.click('[data-testid=save-dashboard]');
    await page.locator('[data-testid=dashboard-version], .ant-alert-error').first().waitFor();
    expect(await page.locator('.ant-alert-error').allTextContents()).toEqual([]);
    await page.locator('[data-testid=dashboard-version]', { hasText: 'v1' }).waitFor();
    const saved = await apiCall(page, 'GET', `/api/dashboards/${DASH}`);
    expect(saved.body).toMatchObject({ roles: ['rm'], order: 5, widgets: [{ id: 'w1', report: PIVOT }, { id: 'w2', report: TREND }], filters: [{ kind: 'date_range', field: 'opened_at' }, { key: 'f2', kind: 'product', field: 'product.category' }] });

    await page.click('[data-testid=open-dashboard]');
    const w1 = page.locator('[data-testid=widget-w1]');
    const w2 = page.locator('[data-testid=widget-w2]');
    await w1.locator('[data-testid=report-pivot]').waitFor();
    await w2.locator('[data-testid=report-chart]').waitFor();
    const before = JSON.parse((await w2.locator('[data-testid=report-chart]').getAttribute('data-categories'))!) as string[];
    expect(before.length).toBeGreaterThan(1);
    // Cross filter: a branch in the pivot narrows the trend to that branch.
    const branch = (await w1.locator('[data-row-head="customer.org_unit_id_l2"]').first().textContent())!;
    await w1.locator('[data-row-head="customer.org_unit_id_l2"]').first().click();
    await page.locator('[data-testid=cross-filter]', { hasText: branch }).waitFor();
    await w2.getByText('已联动').waitFor();
    await until(async () => JSON.stringify(JSON.parse((await w2.locator('[data-testid=report-chart]').getAttribute('data-categories'))!)) === JSON.stringify([branch]), { ms: 10_000, everyMs: 100, what: 'the trend narrowed to the branch' });
    // The dashboard date filter: this year's holdings only.
    await choose(page, '[data-testid=dash-filter-f1]', '今年');
    await page.locator('[data-testid=dashboard-board][data-fetching=false]').waitFor();
    // Absolute dates, and a category picked by name: the pivot keeps that category's column only.
    await choose(page, '[data-testid=dash-filter-f1]', '自定义日期');
    const range = page.locator('[data-testid=dash-filter-f1-range] input');
    await range.nth(0).click();
    await range.nth(0).fill('2000-01-01');
    await range.nth(0).press('Enter');
    await range.nth(1).fill('2099-12-31');
    await range.nth(1).press('Enter');
    const cats = (await apiCall(page, 'GET', `/api/dashboards/${DASH}/filters/f2/options`)).body.items as { value: string; label: string }[];
    expect(cats.length).toBeGreaterThan(1);
    await page.locator('[data-testid=cross-filter] .ant-tag-close-icon').click();
    await choose(page, '[data-testid=dash-filter-f2]', cats[0]!.label);
    await page.keyboard.press('Escape');
    await until(async () => {
      const head = (await w1.locator('[data-testid=report-pivot] thead').textContent()) ?? '';
      return head.includes(cats[0]!.label) && !head.includes(cats[1]!.label);
    }, { ms: 20_000, everyMs: 200, what: 'the pivot narrowed to the picked category' });
    await page.locator('[data-testid=dashboard-board][data-fetching=false]').waitFor();
    // Close the value list before the picture (a click on the page title).
    await page.getByText('分行经营看板', { exact: true }).first().click();
    await until(async () => (await page.locator('.ant-select-dropdown:visible').count()) === 0, { ms: 5_000, everyMs: 100, what: 'the value list closed' });
    await shot(page, 'reports-10-dashboard-viewer');
    expect(realErrors(w.errors)).toEqual([]);
  }, 180_000);

  it('a customer manager sees the reports but no designer or administration menus', async () => {
    await signOut(page);
    await signIn(page, srv.baseUrl, 'rm');
    const menu = page.locator('[data-testid=main-menu]');
    await menu.getByText('报表', { exact: true }).waitFor();
    for (const hidden of ['设计中心', '系统管理', '报表设计', '用户管理', '审计日志']) expect(await menu.getByText(hidden, { exact: true }).count()).toBe(0);
    await menu.getByText('报表', { exact: true }).click();
    await page.locator('[data-testid=report-list]').waitFor();
    await page.locator(`[data-report="${PIVOT}"]`).waitFor();
    expect(await page.locator('[data-testid=new-report]').count()).toBe(0);
    await page.click(`[data-report="${PIVOT}"]`);
    await page.locator('[data-testid=report-viewer] [data-testid=report-pivot]').waitFor();
    expect(await page.locator('[data-testid=edit-report]').count()).toBe(0);
    await shot(page, 'reports-08-rm-viewer');
    // The workbench shows the dashboard shared with the customer managers' role.
    await menu.getByText('工作台', { exact: true }).click();
    // The bank pack's own 客户经理工作台 (order 20) is shared with the role too: the analyst's board (order 5) is the first tab, open.
    await page.locator('[data-testid=home-dashboards] [role=tabpanel][aria-hidden=false] [data-testid=widget-w1] [data-testid=report-pivot]').waitFor();
    expect(await page.locator('[data-testid=home-dashboards] [role=tab]').first().innerText()).toBe('分行经营看板');
    expect(await page.locator('[data-testid=home-dashboards] [role=tab][aria-selected=true]').innerText()).toBe('分行经营看板');
    await shot(page, 'reports-11-rm-workbench');
    expect(realErrors(w.errors)).toEqual([]);
  }, 120_000);
});

/** Clicks the middle of the first category of a vertical bar chart (the plot spans the canvas minus the axis labels). */
async function clickFirstBar(page: Page, box: { x: number; y: number; width: number; height: number }, categories: number) {
  // The grid has containLabel with left 16 / right 24; the y-axis labels take about 70px.
  const left = box.x + 16 + 70;
  const width = box.width - 16 - 24 - 70;
  const x = left + width / categories / 2;
  // Tall bars: aim at the lower part of the plot, just above the axis.
  const y = box.y + box.height - 16 - 30;
  await page.mouse.click(x, y);
}
