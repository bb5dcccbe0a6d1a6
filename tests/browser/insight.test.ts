/**
 * Insight in the web app, as the "done when" reads: an analyst finds 智能模型 under 设计中心,
 * defines a model by clicking fields (a bad label is refused with its reason), trains the pack's churn
 * model with a progress bar and sees holdout AUC against the baseline, lift, calibration and the
 * feature importance chart, scores every customer; a customer manager opens a high-scoring customer's
 * 360° view and sees the score with its reasons and the next actions, dismisses one with a reason and
 * accepts another; compliance sees the score but no accept / dismiss; the model screens are not in a
 * customer manager's menu; a report by month draws its forecast with the interval bands.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { ApiClient } from '@crm/shared';
import { type BrowserSession, type Watched, apiAs, browserSession, realErrors, shot, signIn, signOut, openMenuEntry } from './browser.js';
import { until } from '../harness/until.js';

const JOB_MS = 200_000;

describe('insight models and the 360° view', () => {
  const session = browserSession();
  let srv: BrowserSession['srv'];
  let w: Watched;
  let page: Page;
  let analyst: ApiClient;

  beforeAll(async () => {
    ({ srv, w, page } = session);
    analyst = await apiAs(srv.baseUrl, 'analyst');
    await signIn(page, srv.baseUrl, 'analyst');
  });

  it('an analyst defines a model by clicking fields; a bad label is refused with its reason', async () => {
    await openMenuEntry(page, '/design/models', '设计中心');
    await page.locator('[data-testid=model-list] [data-model=customer_churn]', { hasText: '客户流失预警' }).waitFor();
    await page.click('[data-testid=model-new]');
    await page.fill('[data-testid=model-key]', 'vip_upgrade');
    await page.fill('[data-testid=model-name]', '升级贵宾客户倾向');
    await page.click('[data-testid=model-object]');
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ has: page.getByText('客户', { exact: true }) }).first().click();
    await page.fill('[data-testid=model-label]', 'segment = ');
    for (const f of ['customer_type', 'risk_level', 'kyc_status']) await page.locator(`[data-testid=model-fields] input[value=${f}]`).check();
    await page.locator('[data-testid=model-label-error]').first().waitFor();
    await page.click('[data-testid=model-save]');
    await page.locator('.ant-alert-error', { hasText: '/label' }).waitFor();
    await page.fill('[data-testid=model-label]', 'segment = "private"');
    await page.click('[data-testid=model-add-aggregate]');
    const agg = page.locator('[data-testid=model-aggregate]').first();
    await agg.locator('input').first().fill('complaints_all');
    await agg.locator('input').nth(1).fill('投诉总数');
    await shot(page, 'insight-designer');
    await page.click('[data-testid=model-save]');
    await page.waitForURL(/\/design\/models\/vip_upgrade$/);
    const m = await analyst.models.get('vip_upgrade');
    expect(m).toMatchObject({ name: '升级贵宾客户倾向', object: 'customer', label: 'segment = "private"', status: 'draft', aggregates: [{ key: 'complaints_all', label: '投诉总数', agg: 'count' }] });
    expect(m.features).toEqual(['customer_type', 'risk_level', 'kyc_status']);
    expect(realErrors(w.errors)).toEqual([]);
  });

  it('trains the churn model with a progress bar, shows its metrics, then scores every customer', async () => {
    await page.goto(`${srv.baseUrl}/design/models/customer_churn`);
    await page.click('[data-testid=model-train]');
    // the progress card shows while the job runs (on 300 customers it may be over before the first poll)
    await page.locator('[data-testid=model-versions]').waitFor({ timeout: JOB_MS });
    const trained = await analyst.models.get('customer_churn');
    expect(trained.status).toBe('trained');
    const metrics = page.locator('[data-testid=model-versions]');
    expect(await metrics.locator('[data-metric=auc]').innerText()).toContain(trained.metrics!.auc!.toFixed(3));
    expect(await metrics.locator('[data-metric=baseline]').innerText()).toContain(trained.metrics!.baselineAuc!.toFixed(3));
    await metrics.locator('[data-testid=model-importance] canvas').waitFor();
    expect(await metrics.locator('[data-testid=model-calibration] tr.ant-table-row').count()).toBe(trained.metrics!.calibration.length);
    await shot(page, 'insight-metrics');
    await page.click('[data-testid=model-score]');
    const rm = await apiAs(srv.baseUrl, 'rm');
    // every customer of the customer manager scored (nulls sort first when descending)
    const top = await until(async () => (await rm.records.list('customer', { limit: 1, sort: '-churn_score' })).items.find((c) => c.churn_score !== null) ?? null, { ms: JOB_MS, what: 'scores' });
    expect(top.churn_score).toMatch(/^[01]\.\d{4}$/);
    await page.locator('[data-testid=score-progress]').waitFor({ state: 'detached', timeout: JOB_MS });
    expect(realErrors(w.errors)).toEqual([]);
  }, 2 * JOB_MS + 30_000);

  it('a customer manager sees the score with its reasons and the next actions, dismisses one and accepts another', async () => {
    const rm = await apiAs(srv.baseUrl, 'rm');
    const [top] = (await rm.records.list('customer', { limit: 1, sort: '-churn_score' })).items;
    const explanation = await rm.models.explain('customer_churn', top!.id);
    const actions = await rm.customers.nextActions(top!.id);
    await signOut(page);
    await signIn(page, srv.baseUrl, 'rm');
    // the model screens are not for a customer manager
    expect(await page.locator('.ant-menu-item', { hasText: '智能模型' }).count()).toBe(0);
    await page.goto(`${srv.baseUrl}/customers/${top!.id}`);
    const card = page.locator('[data-testid=churn-card]');
    await card.waitFor();
    expect(await card.innerText()).toContain(`${(explanation.probability * 100).toFixed(1)}%`);
    const reasons = explanation.contributions.filter((c) => c.contribution > 0).slice(0, 4);
    for (const r of reasons) await card.locator('[data-testid=churn-reasons]', { hasText: r.text ?? r.label }).waitFor();
    const list = page.locator('[data-testid=next-actions]');
    await list.waitFor();
    for (const a of actions) await list.locator(`[data-action="${a.id}"]`, { hasText: a.title }).waitFor();
    await shot(page, 'insight-360');
    if (actions.length >= 1) {
      const first = list.locator(`[data-action="${actions[0]!.id}"]`);
      await first.locator('[data-testid=dismiss-action]').click();
      expect(await first.locator('[data-testid=dismiss-confirm]').isDisabled()).toBe(true);
      await first.locator('[data-testid=dismiss-reason]').fill('客户近期已联系过');
      await first.locator('[data-testid=dismiss-confirm]').click();
      await first.waitFor({ state: 'detached' });
    }
    if (actions.length >= 2) {
      const second = list.locator(`[data-action="${actions[1]!.id}"]`);
      await second.locator('[data-testid=accept-action]').click();
      await second.waitFor({ state: 'detached' });
    }
    const left = (await rm.customers.nextActions(top!.id)).map((a) => a.id);
    expect(left).not.toContain(actions[0]?.id);
    expect(left).not.toContain(actions[1]?.id);
    expect(realErrors(w.errors)).toEqual([]);
  });

  it('compliance sees the score but may not record decisions: no accept / dismiss', async () => {
    const rm = await apiAs(srv.baseUrl, 'rm');
    const [top] = (await rm.records.list('customer', { limit: 1, sort: '-churn_score' })).items;
    await signOut(page);
    await signIn(page, srv.baseUrl, 'compliance');
    await page.goto(`${srv.baseUrl}/customers/${top!.id}`);
    await page.locator('[data-testid=churn-card]').waitFor();
    await page.locator('.ant-card', { hasText: '基本资料' }).waitFor();
    expect(await page.locator('[data-testid=accept-action]').count()).toBe(0);
    expect(await page.locator('[data-testid=dismiss-action]').count()).toBe(0);
    expect(realErrors(w.errors)).toEqual([]);
  });

  it('a report by month shows its forecast with the 80 % and 95 % bands after the history', async () => {
    const compliance = await apiAs(srv.baseUrl, 'compliance');
    const f = await compliance.reports.forecast('bank_aum_trend', { horizon: 6 });
    await page.goto(`${srv.baseUrl}/reports/bank_aum_trend`);
    await page.locator('[data-testid=viewer-ready]').waitFor();
    await page.click('[data-testid=forecast-run]');
    const ready = page.locator('[data-testid=forecast-ready]');
    await ready.locator('canvas').first().waitFor();
    expect(await ready.innerText()).toContain(f.backtestMape === null ? '回测误差' : `回测 MAPE ${f.backtestMape.toFixed(1)}%`);
    await ready.scrollIntoViewIfNeeded();
    await shot(page, 'insight-forecast');
    expect(realErrors(w.errors)).toEqual([]);
  });
});
