/**
 * The PIPL request screens: a privacy officer finds the customer by ID number, registers a copy
 * request, follows it on its detail page (what the bank holds, the legal holds) and downloads the
 * package once; a customer manager without the privacy right sees no such menu.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { createClient } from '@crm/shared';
import { type BrowserSession, type Watched, browserSession, choose, realErrors, shot, signIn, signOut } from './browser.js';
import { until } from '../harness/until.js';

async function as(baseUrl: string, username: string) {
  const token = (await createClient({ baseUrl }).login({ username, password: 'Demo@2026' })).accessToken;
  return createClient({ baseUrl, getToken: () => token });
}

describe('personal-information requests', () => {
  const session = browserSession();
  let srv: BrowserSession['srv'];
  let w: Watched;
  let page: Page;

  beforeAll(() => {
    ({ srv, w, page } = session);
  });

  it('registers a copy request from an ID number, shows what the bank holds, and hands the package over once', async () => {
    await page.setViewportSize({ width: 1366, height: 768 });
    const rm = await as(srv.baseUrl, 'rm');
    const compliance = await as(srv.baseUrl, 'compliance');
    const idNumber = '11010519491231002X';
    const customer = await rm.records.create('customer', { customer_type: 'individual', name: '网页隐私客户', id_number: idNumber, mobile: '13900001111' });
    await rm.records.create('interaction', { customer: customer.id, kind: 'visit', subject: '上门拜访', occurred_at: '2026-11-20T10:00:00+08:00' });

    await signIn(page, srv.baseUrl, 'compliance');
    w.errors.length = 0;
    await page.locator('.ant-menu-item[data-menu-id$="-/privacy"]').click();
    await page.waitForURL(/\/privacy$/);
    await page.click('[data-testid=privacy-new]');
    await page.fill('[data-testid=privacy-id-number]', idNumber);
    await page.click('[data-testid=privacy-lookup]');
    await page.locator('[data-testid=privacy-subject]', { hasText: '网页隐私客户' }).waitFor();
    await choose(page, '[data-testid=privacy-right]', '复制');
    await shot(page, 'privacy-new-request');
    await page.click('[data-testid=privacy-submit]');
    await page.waitForURL(/\/privacy\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop()!;
    await page.locator('[data-testid=privacy-records] td', { hasText: '上门拜访' }).waitFor();
    await page.locator('[data-testid=privacy-progress]').waitFor();
    await shot(page, 'privacy-request-detail');

    // The officer works the process in the inbox; the page follows.
    const r = await compliance.privacy.getRequest(id);
    for (const activity of ['verify', 'answer']) {
      const task = await until(async () => (await compliance.tasks.list('all')).items.find((t) => t.processInstanceId === r.processInstanceId && t.activityId === activity));
      await compliance.tasks.complete(task.id, { variables: activity === 'verify' ? { verified: true } : {} });
    }
    await page.locator('[data-testid=privacy-download]:not([disabled])').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid=privacy-result]').waitFor();
    await shot(page, 'privacy-request-answered');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=privacy-download]')]);
    const bytes = readFileSync((await download.path())!);
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    await page.locator('[data-testid=privacy-download][disabled]').waitFor();
    expect((await compliance.privacy.getRequest(id)).packageReady).toBe(false);

    await page.goto(`${srv.baseUrl}/privacy`);
    await page.locator('[data-testid=privacy-requests] td', { hasText: '已答复' }).waitFor();
    await shot(page, 'privacy-request-list');
    expect(realErrors(w.errors)).toEqual([]);

    // A customer manager has no privacy right: no menu.
    await signOut(page);
    await signIn(page, srv.baseUrl, 'rm');
    await page.locator('.ant-menu-item', { hasText: '我的待办' }).waitFor();
    expect(await page.locator('.ant-menu-item[data-menu-id$="-/privacy"]').count()).toBe(0);
  }, 180_000);
});
