/**
 * The journeys screens as the analyst sees them on the demo bank: the menu entry, the list with the
 * bank pack's two journeys, and a journey's analytics (entered, goal, the step funnel drawn by
 * ECharts, conversion per A/B path, contacts sent or skipped by the gates), equal to the API's stats.
 * The customer manager has no such menu. Screenshots at 1366×768.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { createClient, type ApiClient } from '@crm/shared';
import { type BrowserSession, type Watched, browserSession, realErrors, shot, signIn, signOut, openMenuEntry } from './browser.js';

describe('journeys screens', () => {
  const session = browserSession();
  let srv: BrowserSession['srv'];
  let w: Watched;
  let page: Page;
  let api: ApiClient;

  beforeAll(async () => {
    ({ srv, w, page } = session);
    await page.setViewportSize({ width: 1366, height: 768 });
    const token = (await createClient({ baseUrl: srv.baseUrl }).login({ username: 'analyst', password: 'Demo@2026' })).accessToken;
    api = createClient({ baseUrl: srv.baseUrl, getToken: () => token });
  });

  it('lists the bank pack\'s journeys and shows one\'s analytics as the API counts them', async () => {
    await signIn(page, srv.baseUrl, 'analyst');
    await openMenuEntry(page, '/marketing/journeys', '设计中心');
    await page.waitForURL((u) => u.pathname === '/marketing/journeys');
    const list = page.locator('[data-testid=journey-list]');
    await list.locator('[data-journey=bank_maturity_retention]').waitFor();
    await list.locator('[data-journey=bank_onboarding_30d]').waitFor();
    expect(await list.locator('.ant-tag', { hasText: '运行中' }).count()).toBe(2);
    await shot(page, 'journeys-list');

    const stats = await api.journeys.stats('bank_maturity_retention');
    expect(stats.entered).toBeGreaterThan(0);
    await list.locator('[data-journey=bank_maturity_retention]').click();
    await page.waitForURL((u) => u.pathname === '/marketing/journeys/bank_maturity_retention');
    const kpis = page.locator('[data-testid=journey-kpis]');
    await kpis.locator('.ant-statistic', { hasText: '累计进入' }).locator('.ant-statistic-content-value', { hasText: String(stats.entered) }).waitFor();
    await kpis.locator('.ant-statistic', { hasText: '达成目标' }).locator('.ant-statistic-content-value', { hasText: String(stats.exited.goal) }).waitFor();
    await page.locator('[data-testid=journey-funnel] canvas').first().waitFor();
    const paths = page.locator('[data-testid=journey-paths] tr.ant-table-row');
    expect(await paths.count()).toBe(stats.paths.length);
    for (const p of stats.paths) await paths.filter({ hasText: `分组 ${p.path}` }).filter({ hasText: `${(p.conversion * 100).toFixed(1)}%` }).waitFor();
    await page.locator('[data-testid=journey-contacts] .ant-tag', { hasText: '已触达' }).waitFor();
    await shot(page, 'journey-stats');
    expect(realErrors(w.errors)).toEqual([]);
  });

  it('is not in the customer manager\'s menu', async () => {
    await signOut(page);
    await signIn(page, srv.baseUrl, 'rm');
    await page.locator('.ant-menu').first().waitFor();
    expect(await page.locator('.ant-menu-item', { hasText: '客户旅程' }).count()).toBe(0);
    expect(await page.locator('.ant-menu-submenu-title', { hasText: '设计中心' }).count()).toBe(0);
  });
});
