/**
 * Drill-down in headless Chromium against the real server: a dashboard (shared with branch managers and
 * customer managers, with a date-range filter) holds a customers report with the drill hierarchy
 * branch → sub-branch → team → customer manager. The branch manager clicks down level by level (the
 * breadcrumb leads back), and a customer manager's cell opens the customer list whose total equals the
 * cell. A customer manager opening the same dashboard sees only their own customers' figures. The
 * report viewer drills the same way. Screenshots at 1366×768 and 390×844.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { type BrowserSession, type Watched, apiCall, browserSession, realErrors, shot, signIn, signOut } from './browser.js';
import { until } from '../harness/until.js';
import { as } from '../harness/http.js';

const SUFFIX = Date.now().toString(36).slice(-5);
const REPORT = `cust_drill_${SUFFIX}`;
const DASH = `drill_board_${SUFFIX}`;

const num = (s: string | null) => Number((s ?? '').replace(/,/g, ''));

describe('drill-down from branch to customer manager to the customer list', () => {
  const session = browserSession();
  let srv: BrowserSession['srv'];
  let w: Watched;
  let page: Page;

  beforeAll(async () => {
    ({ srv, w, page } = session);
    const analyst = await as(srv.baseUrl, 'analyst');
    const level = (lv: number, key: string, zh: string, en: string) => ({ field: 'org_unit_id', level: lv, key, label: { 'zh-CN': zh, en } });
    const created = await analyst.post('/api/reports', {
      key: REPORT, name: { 'zh-CN': '客户数与 AUM（机构下钻）', en: 'Customers and AUM (drill)' }, object: 'customer',
      measures: [{ key: 'n', agg: 'count', label: { 'zh-CN': '客户数', en: 'Customers' } }, { key: 'aum', agg: 'sum', field: 'aum' }],
      dimensions: [level(2, 'branch', '分行', 'Branch')],
      hierarchies: [{ key: 'org', levels: [level(2, 'branch', '分行', 'Branch'), level(3, 'sub_branch', '支行', 'Sub-branch'), level(4, 'team', '团队', 'Team'), { field: 'owner_id', key: 'cm', label: { 'zh-CN': '客户经理', en: 'Customer manager' } }] }],
      sort: '-n', chart: { type: 'table' },
    });
    expect(created.status).toBe(201);
    const board = await analyst.post('/api/dashboards', {
      key: DASH, name: { 'zh-CN': '机构下钻看板', en: 'Drill board' }, roles: ['manager', 'rm'],
      filters: [{ key: 'period', kind: 'date_range', field: 'created_at', label: { 'zh-CN': '开户日期', en: 'Since' } }],
      widgets: [{ id: 'w1', report: REPORT, layout: { x: 0, y: 0, w: 12, h: 7 } }],
    });
    expect(board.status).toBe(201);
  });

  /** The widget's table rows as { level key value text, n }. */
  const widget = () => page.locator('[data-testid=widget-w1]');
  async function levelIs(key: string) {
    await until(async () => (await widget().getAttribute('data-level')) === key, { ms: 15_000, everyMs: 100, what: `the widget at level ${key}` });
    await page.locator('[data-testid=dashboard-board][data-fetching=false]').waitFor();
  }
  /** Clicks the data row with the largest count (not the total line); answers its count. */
  async function clickLargestRow(): Promise<number> {
    const table = widget().locator('[data-testid=report-table]');
    await table.locator('tbody tr:has([data-cell=n])').first().waitFor();
    const rows = table.locator('tbody tr:has([data-cell=n]):not(:has(.report-total))');
    const counts = await rows.locator('[data-cell=n]').allTextContents();
    expect(counts.length).toBeGreaterThan(0);
    const values = counts.map(num);
    const i = values.indexOf(Math.max(...values));
    await rows.nth(i).click();
    return values[i]!;
  }

  it('a branch manager drills branch → sub-branch → team → customer manager, goes back by the breadcrumb, and lists the customers of a cell', async () => {
    await page.setViewportSize({ width: 1366, height: 768 });
    await signIn(page, srv.baseUrl, 'manager');
    await page.goto(`${srv.baseUrl}/dashboards/${DASH}`);
    await widget().locator('[data-testid=report-table]').waitFor();
    await levelIs('branch');
    await shot(page, 'drill-01-dashboard-branch');
    const branchN = await clickLargestRow();
    await levelIs('sub_branch');
    await widget().locator('[data-testid=crumb-1]').waitFor();
    // The level below adds up to the cell clicked (the widget's total line).
    await until(async () => num(await widget().locator('.report-total[data-cell=n]').first().textContent()) === branchN, { ms: 10_000, everyMs: 100, what: 'the sub-branches adding up to the branch' });
    const subN = await clickLargestRow();
    await levelIs('team');
    // Back one level by the breadcrumb, and down again.
    await widget().locator('[data-testid=crumb-1]').click();
    await levelIs('sub_branch');
    expect(await widget().locator('[data-testid=crumb-2]').count()).toBe(0);
    expect(await clickLargestRow()).toBe(subN);
    await levelIs('team');
    const teamN = await clickLargestRow();
    await levelIs('cm');
    await until(async () => num(await widget().locator('.report-total[data-cell=n]').first().textContent()) === teamN, { ms: 10_000, everyMs: 100, what: 'the customer managers adding up to the team' });
    await shot(page, 'drill-02-dashboard-customer-managers');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'drill-03-dashboard-customer-managers-mobile');
    await page.setViewportSize({ width: 1366, height: 768 });
    // The last level: a customer manager's cell opens the customer list; its total is the cell.
    const cmN = await clickLargestRow();
    await page.waitForURL(/\/records\/customer\?filter=/);
    await page.locator('[data-testid=url-filter]').waitFor();
    await page.locator('[data-testid=record-list] .vlist-row').first().waitFor();
    const filter = new URL(page.url()).searchParams.get('filter')!;
    expect(filter).toContain('$orgLevel');
    const list = await apiCall(page, 'GET', `/api/records/customer?total=true&limit=1&filter=${encodeURIComponent(filter)}`);
    expect(list.body.total).toBe(cmN);
    await shot(page, 'drill-04-customer-list');
    expect(realErrors(w.errors)).toEqual([]);
  }, 180_000);

  it('the report viewer drills the same hierarchy with a breadcrumb', async () => {
    await page.goto(`${srv.baseUrl}/reports/${REPORT}`);
    const table = page.locator('[data-testid=report-viewer] [data-testid=report-table]');
    await table.locator('tbody tr:has([data-cell=n])').first().waitFor();
    const first = table.locator('tbody tr:has([data-cell=n]):not(:has(.report-total))').first();
    const n = num(await first.locator('[data-cell=n]').textContent());
    await first.click();
    await page.locator('[data-testid=crumb-1]').waitFor();
    // One level down: the sub-branches (the level's column), adding up to the branch clicked.
    await page.locator('[data-testid=report-viewer] th', { hasText: '支行' }).first().waitFor();
    await page.locator('[data-testid=viewer-ready][data-fetching=false]').waitFor();
    expect(num(await table.locator('.report-total[data-cell=n]').first().textContent())).toBe(n);
    await shot(page, 'drill-05-viewer-sub-branch');
    await page.click('[data-testid=crumb-0]');
    await page.locator('[data-testid=crumb-1]').waitFor({ state: 'detached' });
    await page.locator('[data-testid=report-viewer] th', { hasText: '分行' }).first().waitFor();
  }, 120_000);

  it("the cockpit's KPI card shows the change against the previous period, as the API computes it", async () => {
    await page.goto(`${srv.baseUrl}/dashboards/bank_president_cockpit`);
    const kpi = page.locator('[data-testid=widget-new_kpi] [data-testid=kpi-change]');
    await kpi.waitFor();
    await page.locator('[data-testid=dashboard-board][data-fetching=false]').waitFor();
    const run = await apiCall(page, 'POST', '/api/dashboards/bank_president_cockpit/run', {});
    const cmp = run.body.widgets.find((x: { id: string }) => x.id === 'new_kpi').answer.comparison.measures[0];
    expect(await kpi.getAttribute('data-change')).toBe(cmp.change ?? '');
    const text = (await kpi.textContent())!;
    expect(text).toContain('环比');
    if (cmp.change !== null) {
      // 0.1234 → 12.34%, the sign shown by the arrow.
      const bp = BigInt(cmp.change.replace('-', '').replace('.', ''));
      expect(text).toContain(`${bp / 100n}.${String(bp % 100n).padStart(2, '0')}%`);
    }
    // The cockpit's own drill widget (the pack's hierarchy) answers at the branch level.
    await page.locator('[data-testid=widget-branch_drill][data-level=branch] [data-testid=report-table]').waitFor();
    await shot(page, 'drill-07-cockpit-kpi-change');
  }, 120_000);

  it("a customer manager opening the same dashboard sees only their own customers' figures", async () => {
    const managerTotal = (await apiCall(page, 'POST', `/api/reports/${REPORT}/run`, {})).body.totals[0].n as number;
    await signOut(page);
    await signIn(page, srv.baseUrl, 'rm');
    await page.goto(`${srv.baseUrl}/dashboards/${DASH}`);
    await widget().locator('[data-testid=report-table]').waitFor();
    await page.locator('[data-testid=dashboard-board][data-fetching=false]').waitFor();
    const shown = num(await widget().locator('.report-total[data-cell=n]').first().textContent());
    const mine = await apiCall(page, 'GET', '/api/records/customer?total=true&limit=1');
    expect(shown).toBe(mine.body.total);
    expect(shown).toBeLessThan(managerTotal);
    // Drilled to the customer managers, only their own team's show.
    await clickLargestRow();
    await levelIs('sub_branch');
    await clickLargestRow();
    await levelIs('team');
    await clickLargestRow();
    await levelIs('cm');
    const cms = await widget().locator('tbody tr:not(:has(.report-total)) [data-cell=cm]').allTextContents();
    expect(cms.length).toBeGreaterThan(0);
    const run = await apiCall(page, 'POST', `/api/reports/${REPORT}/run`, {});
    expect(run.body.totals[0].n).toBe(shown);
    await shot(page, 'drill-06-rm-dashboard');
    expect(realErrors(w.errors)).toEqual([]);
  }, 180_000);
});
