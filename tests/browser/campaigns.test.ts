/**
 * Campaigns in the browser: the analyst opens the demo bank's sample campaign (funnel and uplift
 * filled by its demo data), plans a new one on a segment with a 10 % control group and submits it for
 * approval; a branch manager approves it; the campaign page shows the launch and its funnel; the
 * customer manager records a call result on their call task; the SMS template's preview, the
 * breakdowns (with the customer segment) and the refresh button. Screenshots at 1366×768.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { createClient } from '@crm/shared';
import { until } from '../harness/until.js';
import { type BrowserSession, type Watched, browserSession, choose, realErrors, shot, signIn, signOut, waitCount } from './browser.js';

describe('campaigns', () => {
  const session = browserSession();
  let srv: BrowserSession['srv'];
  let w: Watched;
  let page: Page;
  const as = async (username: string) => {
    const token = (await createClient({ baseUrl: srv.baseUrl }).login({ username, password: 'Demo@2026' })).accessToken;
    return createClient({ baseUrl: srv.baseUrl, getToken: () => token });
  };

  beforeAll(async () => {
    ({ srv, w, page } = session);
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  it('shows the sample campaign with its funnel and uplift', async () => {
    await signIn(page, srv.baseUrl, 'analyst');
    w.errors.length = 0;
    await page.goto(`${srv.baseUrl}/campaigns`);
    await page.locator('[data-campaign="大额存单推广"]').click();
    await page.locator('[data-testid=funnel] canvas').waitFor();
    await page.locator('[data-testid=uplift]').waitFor();
    await shot(page, 'campaign-sample');
    // The breakdowns: by branch, manager, channel and customer segment (分层), with the uplift's significance.
    await page.locator('.ant-tabs-tab', { hasText: '分析维度' }).click();
    await page.locator('.ant-table-title', { hasText: '按客户分层' }).waitFor();
    await page.locator('[data-testid=refresh]').waitFor();
    await page.locator('.ant-table-title', { hasText: '按客户分层' }).scrollIntoViewIfNeeded();
    await shot(page, 'campaign-breakdown');
    const analyst = await as('analyst');
    const sample = (await analyst.campaigns.list()).find((c) => c.name === '大额存单推广')!;
    expect(sample.status).toBe('active');
    expect(sample.counts.targeted).toBeGreaterThan(0);
    expect(sample.counts.contacted + sample.counts.control).toBeGreaterThan(0);
    // The same analysis as a report of the analytics layer (the pack's 营销活动分析 over campaign members).
    await page.goto(`${srv.baseUrl}/reports/bank_campaign_analysis`);
    const table = page.locator('[data-testid=report-viewer] [data-testid=report-table]');
    await table.locator('tbody tr', { hasText: '大额存单推广' }).first().waitFor();
    expect(await page.locator('[data-testid=view-records]').count()).toBe(0);
    await shot(page, 'campaign-report');
    // A new report over campaign members, built by clicking in the designer: targets and conversions per campaign.
    await page.goto(`${srv.baseUrl}/reports/new`);
    await choose(page, '[data-testid=report-object]', '营销活动成员');
    await page.locator('[data-testid=field-palette] [data-field="customer.segment"]').waitFor();
    await page.fill('[data-testid=report-name]', '各活动目标与转化');
    await page.fill('[data-testid=report-key]', 'campaign_targets_ui');
    await choose(page, '[data-testid=add-rows]', '营销活动');
    await choose(page, '[data-testid=add-measures]', '目标客户数');
    await choose(page, '[data-testid=add-measures]', '转化数');
    await choose(page, '[data-testid=add-filters]', '分组');
    await choose(page, '[data-testid=condition-0-value]', '目标组');
    await choose(page, '[data-testid=chart-type]', '表格');
    await page.keyboard.press('Escape');
    await waitCount(page.locator('.ant-select-dropdown:visible'), 0);
    const preview = page.locator('[data-testid=report-preview] [data-testid=report-table]');
    await preview.locator('tbody tr', { hasText: '大额存单推广' }).first().waitFor();
    await page.locator('[data-testid=preview-ready][data-fetching=false]').waitFor();
    await shot(page, 'campaign-report-designer');
    await page.click('[data-testid=save-report]');
    await page.waitForURL(/\/reports\/campaign_targets_ui\/edit$/);
    const saved = await analyst.reports.get('campaign_targets_ui');
    expect(saved).toMatchObject({ object: 'campaign_member', filter: { member_group: 'target' } });
    expect(saved.measures.map((m) => [m.agg, m.field])).toEqual([['count', undefined], ['sum', 'targeted'], ['sum', 'converted']]);
    // Its answer counts the sample campaign's targets as the campaign page does.
    const run = await analyst.reports.run('campaign_targets_ui');
    expect(run.rows.find((r) => r.campaign === sample.id)).toMatchObject({ sum_targeted: sample.counts.targeted });
    expect(realErrors(w.errors)).toEqual([]);
  }, 180_000);

  it('plans a campaign, submits it for approval, and shows its launch once approved', async () => {
    w.errors.length = 0;
    await page.goto(`${srv.baseUrl}/campaigns`);
    await page.click('[data-testid=new-campaign]');
    await page.fill('[data-testid=plan-name]', '对公客户回访活动');
    await choose(page, '[data-testid=plan-segment]', 'corporate');
    await page.fill('[data-testid=plan-budget]', '8000.00');
    // An SMS template with variables, previewed by the server (an unknown variable would be refused in Chinese).
    await page.fill('[data-testid=plan-sms]', '{{不存在}}');
    await page.click('[data-testid=plan-preview]');
    await page.locator('.ant-alert-error', { hasText: '不存在' }).waitFor();
    await page.fill('[data-testid=plan-sms]', '尊敬的{{客户姓名}}：{{活动名称}}诚邀您到网点洽谈。');
    await page.click('[data-testid=plan-preview]');
    await page.locator('[data-testid=plan-preview-text]', { hasText: '对公客户回访活动诚邀您到网点洽谈' }).waitFor();
    await shot(page, 'campaign-plan');
    await page.click('[data-testid=plan-save]');
    await page.locator('[data-testid=launch]').waitFor();
    await page.click('[data-testid=launch]');
    await page.locator('.ant-alert', { hasText: '审批中' }).waitFor();
    // Five corporate customers of the rm's team, with marketing consent: the campaign reaches them.
    const rmApi = await as('rm');
    for (let i = 0; i < 5; i++) {
      const cust = await rmApi.records.create('customer', { customer_type: 'corporate', name: `浦东回访企业${i}` });
      await rmApi.records.create('consent', { customer: cust.id, purpose: 'marketing', notice_version: 'v1', channel: 'branch', consented_at: '2026-01-02T10:00:00+08:00' });
    }
    // A branch manager approves in the task inbox (here through the API the inbox uses).
    const manager = await as('manager');
    const task = await until(async () => (await manager.tasks.list('candidate')).items.find((t) => t.name === '审批营销活动'), { what: 'the approval task' });
    await manager.tasks.claim(task.id);
    await manager.tasks.complete(task.id, { variables: { approved: true, comment: '同意' } });
    const analyst = await as('analyst');
    const planned = (await analyst.campaigns.list()).find((c) => c.name === '对公客户回访活动')!;
    expect(planned.controlPercent).toBe(10);
    await until(async () => (await analyst.campaigns.get(planned.id)).status === 'active', { ms: 60_000, what: 'the approved launch' });
    await page.reload();
    await page.locator('.ant-tag', { hasText: '进行中' }).first().waitFor();
    await page.locator('[data-testid=funnel] canvas').waitFor();
    const c = await analyst.campaigns.get(planned.id);
    expect(c.counts.targeted + c.counts.control).toBeGreaterThan(0);
    expect(Object.keys(c.counts.excluded).length + c.counts.contacted).toBeGreaterThan(0);
    await shot(page, 'campaign-launched');
    expect(realErrors(w.errors)).toEqual([]);
  }, 180_000);

  it('lets the customer manager record a call result on a call task', async () => {
    await signOut(page);
    await signIn(page, srv.baseUrl, 'rm');
    w.errors.length = 0;
    await page.goto(`${srv.baseUrl}/campaigns`);
    // No planning for a customer manager.
    expect(await page.locator('[data-testid=new-campaign]').count()).toBe(0);
    await page.locator('[data-campaign="对公客户回访活动"]').click();
    const rm = await as('rm');
    const sample = (await rm.campaigns.list()).find((c) => c.name === '对公客户回访活动')!;
    const open = (await rm.campaigns.members(sample.id, { task: 'open', limit: 20 })).items;
    expect(open.length).toBeGreaterThan(0);
    const first = open[0]!;
    await page.locator(`[data-testid="respond-interested-${first.customerId}"]`).click();
    await page.locator('.ant-message', { hasText: '已登记响应' }).waitFor();
    await shot(page, 'campaign-rm-tasks');
    const after = (await rm.campaigns.members(sample.id, { limit: 500 })).items.find((m) => m.customerId === first.customerId)!;
    expect(after).toMatchObject({ status: 'responded', response: 'interested', task: 'done' });
    // The customer manager's dashboard 营销活动分析: their own members' funnel per campaign and per branch.
    await page.goto(`${srv.baseUrl}/dashboards/bank_marketing_board`);
    await page.locator('[data-testid=report-table] tbody tr', { hasText: '对公客户回访活动' }).first().waitFor();
    await shot(page, 'campaign-report-rm');
    expect(realErrors(w.errors)).toEqual([]);
  }, 120_000);
});
