/**
 * Menus, routes and buttons follow rights (issue 19): each demo role's menu holds exactly what the role
 * may use, its workbench asks nothing the server refuses (no 401, 403 or 5xx while it loads) and shows
 * no UUID nor untranslated English; a page typed by hand that the role may not use shows a Chinese
 * "no permission" page without asking the server; record buttons follow the object's actions.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page, Response, Route } from 'playwright-core';
import { apiAs, browserSession, realErrors, shot, signIn, type Watched } from './browser.js';
import { assertNoUuidOrEnglish } from './visible-text.js';

/** Each role's menu, in order: top entries, then a group's entries after its title. */
const HEAD = ['工作台', '我的待办', '客户360视图', '客群', '担保圈', '银行客户管理'];
/** The bank pack's objects in the menu's order; `pipl_request` only for who handles privacy requests. */
const OBJECTS = ['月末余额快照', '客户投诉', '授权同意记录', '客户', '客户标签', '金融资产持有', '客户互动', '销售线索', '贷款申请', '下一步建议', '个人信息权利请求', '产品目录', '客户关系', '客群'];
const withoutPipl = OBJECTS.filter((o) => o !== '个人信息权利请求');
const ANALYSIS = ['营销活动', '报表', '仪表板'];
const MENUS: Record<string, string[]> = {
  admin: ['工作台', '我的待办', '设计中心', '流程实例', '系统管理', '用户管理', '组织机构', '流程异常', 'API 密钥'],
  security: ['工作台', '我的待办', '系统管理', '角色权限', '统一身份认证'],
  analyst: [...HEAD, ...OBJECTS, ...ANALYSIS, '设计中心', '对象设计', '表单设计', '流程设计', '决策表', '报表设计', '智能模型', '客户旅程', '流程实例', '系统管理', '连接器', '解决方案包'],
  manager: [...HEAD, ...OBJECTS, '个人信息权利', ...ANALYSIS],
  rm: [...HEAD, ...withoutPipl, ...ANALYSIS],
  compliance: [...HEAD, ...OBJECTS.filter((o) => o !== '销售线索'), '个人信息权利', ...ANALYSIS],
  auditor: ['工作台', '我的待办', '系统管理', '审计日志'],
};

/** The menu's entries as shown, every group opened. */
async function menuEntries(page: Page): Promise<string[]> {
  const menu = page.locator('[data-testid=main-menu]');
  for (let i = 0; i < 10; i++) {
    const closed = menu.locator('.ant-menu-submenu:not(.ant-menu-submenu-open) > .ant-menu-submenu-title');
    if (!(await closed.count())) break;
    await closed.first().click();
  }
  return menu.locator('.ant-menu-item .ant-menu-title-content, .ant-menu-submenu-title .ant-menu-title-content')
    .evaluateAll((els) => els.map((e) => (e.textContent ?? '').replace(/\d+$/, '').trim()));
}

describe('menus, routes and buttons follow rights', () => {
  const session = browserSession();
  let page: Page;
  let w: Watched;
  let base: string;
  /** Responses the server refused or failed on since the last `watch()`. */
  let refused: string[] = [];

  beforeAll(async () => {
    ({ page, w } = session);
    base = session.srv.baseUrl;
    await page.setViewportSize({ width: 1366, height: 768 });
    page.on('response', (r: Response) => {
      if (r.status() === 401 || r.status() === 403 || r.status() >= 500) refused.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
    });
  });

  async function signInAs(role: string): Promise<void> {
    await page.goto(`${base}/login`);
    await page.evaluate(() => localStorage.clear());
    refused = [];
    await signIn(page, base, role);
  }

  it('another user signing in on a tab whose session is someone else\'s gets none of their rights or answers', async () => {
    // The compliance officer's session: rights and answers for every customer object.
    await signInAs('compliance');
    await page.locator('[data-testid=main-menu]').getByText('客户', { exact: true }).waitFor();
    await page.waitForLoadState('networkidle');
    // The login page, loaded with that session's cookie, restores it before the auditor signs in.
    const restored = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/auth/refresh' && r.status() === 200);
    await page.goto(`${base}/login`);
    await restored;
    refused = [];
    // The auditor's own rights (/api/auth/me) are held back until the workbench has rendered: whatever it
    // asks for meanwhile, it asks on the rights it has before them.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const hold = async (route: Route) => {
      await held;
      await route.continue().catch(() => undefined);
    };
    await page.route('**/api/auth/me', hold);
    await page.fill('#login-username', 'auditor');
    await page.fill('#login-password', 'Demo@2026');
    await page.click('[data-testid=login-submit]');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.getByText('各对象数据量').waitFor();
    release();
    await page.unroute('**/api/auth/me', hold);
    await page.locator('[data-testid=main-menu]').getByText('系统管理', { exact: true }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(refused).toEqual([]);
    expect(await menuEntries(page)).toEqual(MENUS.auditor);
  });

  for (const [role, expected] of Object.entries(MENUS)) {
    it(`${role}: the menu holds what the role may use and the workbench asks nothing refused`, async () => {
      await signInAs(role);
      await page.locator('[data-testid=main-menu]').waitFor();
      await page.waitForLoadState('networkidle');
      const entries = await menuEntries(page);
      await page.waitForLoadState('networkidle');
      await shot(page, `rights-workbench-${role}`);
      expect({ role, entries }).toEqual({ role, entries: expected });
      expect({ role, refused }).toEqual({ role, refused: [] });
      await assertNoUuidOrEnglish(page, `workbench of ${role}`);
    });
  }

  it('a page typed by hand that the role may not use shows "no permission" and asks nothing', async () => {
    await signInAs('auditor');
    for (const path of ['/admin/users', '/records/customer', '/design/processes', '/customers', '/campaigns']) {
      refused = [];
      await page.goto(`${base}${path}`);
      await page.locator('[data-testid=no-permission]').waitFor();
      await page.waitForLoadState('networkidle');
      expect({ path, text: await page.locator('[data-testid=no-permission]').innerText() }).toEqual({ path, text: expect.stringContaining('无权访问') });
      expect({ path, refused }).toEqual({ path, refused: [] });
    }
    await shot(page, 'rights-no-permission');
    await assertNoUuidOrEnglish(page, 'no permission page');
    expect(realErrors(w.errors)).toEqual([]);
  });

  it('record buttons follow the object\'s actions; the customer manager\'s pages ask nothing refused', async () => {
    const rm = await apiAs(base, 'rm');
    const customer = (await rm.records.query('customer', { limit: 1 })).items[0]!;
    const holding = (await rm.records.query('holding', { limit: 1 })).items[0]!;
    await signInAs('rm');
    const buttons = async (path: string, ready: string) => {
      await page.goto(`${base}${path}`);
      await page.locator(ready).first().waitFor();
      await page.waitForLoadState('networkidle');
      const shown = async (id: string) => (await page.locator(`[data-testid=${id}]`).count()) > 0;
      return { path, create: await shown('new-record'), edit: await shown('edit-record'), remove: await shown('delete-record') };
    };
    // rm creates and updates customers but deletes none; holdings are read only.
    expect(await buttons('/records/customer', '[data-testid=views]')).toEqual({ path: '/records/customer', create: true, edit: false, remove: false });
    expect(await buttons(`/records/customer/${customer.id}`, '.ant-tabs')).toEqual({ path: `/records/customer/${customer.id}`, create: false, edit: true, remove: false });
    expect(await buttons('/records/holding', '[data-testid=views]')).toEqual({ path: '/records/holding', create: false, edit: false, remove: false });
    expect(await buttons(`/records/holding/${holding.id}`, '.ant-tabs')).toEqual({ path: `/records/holding/${holding.id}`, create: false, edit: false, remove: false });
    // The account number is masked by type for rm (the holding's title and its field alike).
    const text = await page.locator('body').innerText();
    expect(text).toMatch(/6222 \*{4} \*{4} \d{4}/);
    expect(text).not.toMatch(/6222\d{15}/);
    await shot(page, 'rights-rm-holding');
    // The user menu names the roles, not their keys.
    await page.locator('[data-testid=user-menu]').click();
    await page.locator('[data-testid=user-roles]').waitFor();
    expect(await page.locator('[data-testid=user-roles]').innerText()).toBe('客户经理');
    await shot(page, 'rights-rm-user-menu');
    await page.keyboard.press('Escape');
    for (const path of ['/tasks', `/customers/${customer.id}`, '/campaigns', '/reports', '/dashboards']) {
      await page.goto(`${base}${path}`);
      await page.locator('.ant-menu').first().waitFor();
      await page.waitForLoadState('networkidle');
    }
    expect(refused).toEqual([]);
    expect(realErrors(w.errors)).toEqual([]);
  });
});
