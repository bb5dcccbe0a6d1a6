/**
 * Every screen of the menu opens, in Chinese, without console errors; the language switch turns the
 * shell English; the audit trail verifies; an unknown customer's 360° page shows an empty state, and a
 * customer's record page opens its 360° view (a button the bank pack adds to record pages).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { createClient } from '@crm/shared';
import { type BrowserSession, type Watched, browserSession, realErrors, shot, signIn, signOut, waitCount } from './browser.js';

const SCREENS: [user: string, path: string, title: string][] = [
  ['analyst', '/', '好'],
  ['analyst', '/tasks', '我的待办'],
  ['analyst', '/customers', '客户360视图'],
  ['analyst', '/design/objects', '对象设计'],
  ['analyst', '/design/forms', '表单设计'],
  ['analyst', '/design/processes', '流程设计'],
  ['analyst', '/design/processes/new', '新流程'],
  ['analyst', '/instances', '流程实例'],
  ['admin', '/admin/users', '用户管理'],
  ['admin', '/admin/roles', '角色权限'],
  ['admin', '/admin/org', '组织机构'],
  ['auditor', '/admin/audit', '审计日志'],
];

describe('screens', () => {
  const session = browserSession();
  let srv: BrowserSession['srv'];
  let w: Watched;
  let page: Page;
  let current = '';

  beforeAll(() => {
    ({ srv, w, page } = session);
  });

  async function as(user: string) {
    if (current === user) return;
    if (current) await signOut(page);
    await signIn(page, srv.baseUrl, user);
    current = user;
  }

  it.each(SCREENS)('%s opens %s', async (user, path, title) => {
    await as(user);
    w.errors.length = 0;
    await page.goto(`${srv.baseUrl}${path}`);
    await page.locator('.page-title', { hasText: title }).first().waitFor();
    // The screen's data has arrived (and any error it causes has been logged): no request in flight, no spinner.
    await page.waitForLoadState('networkidle');
    await waitCount(page.locator('.ant-spin-spinning'), 0);
    await shot(page, `screen-${path.replace(/[^a-z0-9]+/gi, '_') || 'home'}`);
    // The side menu follows platform rights: the design studio for designers and process administrators only.
    const sider = await page.locator('.ant-layout-sider').textContent();
    expect(sider).toContain('工作台');
    if (user === 'auditor') expect(sider).not.toContain('设计中心');
    else expect(sider).toContain('设计中心');
    expect(realErrors(w.errors)).toEqual([]);
  }, 60_000);

  it('every object of the metadata has its list in the menu', async () => {
    // What the menu should show, asked through the same typed client the web app uses.
    const token = (await createClient({ baseUrl: srv.baseUrl }).login({ username: 'analyst', password: 'Demo@2026' })).accessToken;
    const api = createClient({ baseUrl: srv.baseUrl, getToken: () => token });
    let objects = await api.meta.listObjects();
    if (!objects.length) {
      await api.meta.createObject({ key: 'smoke_item', label: { 'zh-CN': '冒烟对象', en: 'Smoke item' }, fields: [{ key: 'name', label: '名称', type: 'text' }] });
      objects = await api.meta.listObjects();
    }
    await as('analyst');
    await page.goto(`${srv.baseUrl}/`);
    for (const o of objects.slice(0, 20)) {
      const label = typeof o.label === 'string' ? o.label : o.label['zh-CN'] ?? o.key;
      await page.locator('[data-testid=main-menu] .ant-menu-item', { hasText: label }).first().waitFor();
    }
    const first = objects[0]!;
    await page.goto(`${srv.baseUrl}/`);
    const firstLabel = typeof first.label === 'string' ? first.label : first.label['zh-CN'] ?? first.key;
    const exact = new RegExp(`^${firstLabel.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    await page.locator('[data-testid=main-menu] .ant-menu-item', { hasText: exact }).first().click();
    await page.locator('[data-testid=record-list]').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/records/${first.key}`);
    await shot(page, 'screen-records');
  }, 60_000);

  it('verifies the audit trail', async () => {
    await as('auditor');
    await page.goto(`${srv.baseUrl}/admin/audit`);
    await page.click('[data-testid=verify-audit]');
    await page.locator('[data-testid=verify-result]').waitFor();
    await shot(page, 'screen-audit-verified');
  }, 60_000);

  it('shows an empty 360° view for an unknown customer', async () => {
    await as('analyst');
    await page.goto(`${srv.baseUrl}/customers/00000000-0000-4000-8000-000000000000`);
    await page.locator('[data-testid=c360-empty]').waitFor();
  }, 60_000);

  it("opens a customer's 360° view from its record page (the bank pack's record link)", async () => {
    const token = (await createClient({ baseUrl: srv.baseUrl }).login({ username: 'rm', password: 'Demo@2026' })).accessToken;
    const customer = (await createClient({ baseUrl: srv.baseUrl, getToken: () => token }).records.list('customer', { limit: 1 })).items[0]!;
    await as('rm');
    await page.goto(`${srv.baseUrl}/records/customer/${customer.id}`);
    await page.getByRole('button', { name: /客户360视图/ }).click();
    await page.waitForURL(`**/customers/${customer.id}`);
    await page.locator('.ant-statistic').first().waitFor();
  }, 60_000);

  it('switches to English', async () => {
    await as('analyst');
    await page.goto(`${srv.baseUrl}/`);
    await page.locator('.ant-segmented-item', { hasText: 'EN' }).first().click();
    await page.locator('.ant-layout-sider', { hasText: 'Workbench' }).waitFor();
    await shot(page, 'screen-english');
    await page.locator('.ant-segmented-item', { hasText: '中文' }).first().click();
    await page.locator('.ant-layout-sider', { hasText: '工作台' }).waitFor();
  }, 60_000);
});
