/**
 * The session in the browser, on a server whose access tokens last 5 seconds: the token is never in
 * Web Storage; a half-filled 新建 form survives a reload (恢复草稿); a submit made after the token
 * expired is answered 401, renewed from the session cookie and sent again — saved, nothing lost; the
 * user changes their own password from the user menu (Chinese errors); an idle session returns to the
 * login page with the reason in Chinese.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page, Response } from 'playwright-core';
import { startServer, type TestServer } from '../harness/server.js';
import { createClient, type ApiClient } from '@crm/shared';
import { until } from '../harness/until.js';
import { withClient } from '../harness/db.js';
import { launch, newPage, realErrors, shot, signIn, type Watched } from './browser.js';

const OBJECT = 'visit_log';

describe('sessions and drafts in the browser', () => {
  let srv: TestServer;
  let browser: Browser;
  let w: Watched;
  let page: Page;
  const responses: { url: string; method: string; status: number; at: number }[] = [];
  /** A client that signs in again whenever its 5-second token has expired (the client's refresh hook). */
  const apiAs = (username: string): ApiClient => {
    let token = '';
    return createClient({
      baseUrl: srv.baseUrl,
      getToken: () => token,
      refresh: async () => {
        token = (await createClient({ baseUrl: srv.baseUrl }).login({ username, password: 'Demo@2026' })).accessToken;
        return true;
      },
    });
  };

  beforeAll(async () => {
    // BROWSER_SERVER_TIMEOUT_MS: a longer wait for the first start on a loaded machine (as the shared helper allows).
    srv = await startServer({ env: { CRM_TOKEN_TTL: '5' }, timeoutMs: Number(process.env.BROWSER_SERVER_TIMEOUT_MS ?? 60_000) });
    browser = await launch();
    w = await newPage(browser);
    page = w.page;
    page.on('response', (r: Response) => responses.push({ url: new URL(r.url()).pathname, method: r.request().method(), status: r.status(), at: Date.now() }));
    const analyst = apiAs('analyst');
    await analyst.meta.createObject({
      key: OBJECT, label: { 'zh-CN': '走访记录', en: 'Visit log' },
      fields: [
        { key: 'client_name', label: { 'zh-CN': '客户姓名', en: 'Client' }, type: 'text', required: true },
        { key: 'remark', label: { 'zh-CN': '走访情况', en: 'Notes' }, type: 'textarea' },
      ],
    });
    const security = apiAs('security');
    const rm = await security.admin.getRole('rm');
    await security.admin.updateRole('rm', { permissions: [...rm.permissions, { object: OBJECT, actions: ['create', 'read', 'update'], scope: 'own' }] });
  }, 120_000 + Number(process.env.BROWSER_SERVER_TIMEOUT_MS ?? 60_000));
  afterAll(async () => {
    await browser?.close();
    await srv?.stop();
  });

  const nameInput = () => page.locator('[data-field=client_name] input, #client_name').first();
  const remarkInput = () => page.locator('[data-field=remark] textarea, #remark').first();

  it('keeps the token out of Web Storage and restores a half-filled form after a reload', async () => {
    await signIn(page, srv.baseUrl, 'rm');
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(stored).not.toMatch(/eyJ/); // no JWT anywhere a script could read it later
    await page.goto(`${srv.baseUrl}/records/${OBJECT}/new`);
    await nameInput().fill('张三');
    await remarkInput().fill('客户有意向购买理财，下周再访');
    await until(() => page.evaluate(() => Object.keys(sessionStorage).some((k) => k.startsWith('crm.draft:'))), { ms: 10_000, what: 'the draft to be kept' });
    expect(await page.evaluate(() => Object.values(sessionStorage).join(''))).not.toMatch(/eyJ/);
    await page.reload();
    await page.locator('[data-testid=draft-banner]').waitFor();
    await shot(page, 'session-draft-offered');
    expect(await nameInput().inputValue()).toBe('');
    await page.click('[data-testid=draft-restore]');
    expect(await nameInput().inputValue()).toBe('张三');
    expect(await remarkInput().inputValue()).toBe('客户有意向购买理财，下周再访');
    await shot(page, 'session-draft-restored');
  }, 90_000);

  it('a submit after the access token expired is renewed and sent again: saved, input not lost', async () => {
    // The token the page holds came with the last renewal; let it expire (5 s tokens on this server).
    const renewed = responses.filter((r) => r.url === '/api/auth/refresh' && r.status === 200).at(-1)!;
    expect(renewed).toBeDefined();
    await until(async () => Date.now() > renewed.at + 6_000, { ms: 15_000, everyMs: 250, what: 'the access token to expire' });
    const from = responses.length;
    await page.click('[data-testid=create-record]');
    await page.waitForURL((u) => new RegExp(`/records/${OBJECT}/[0-9a-f-]{36}$`).test(u.pathname));
    const seen = responses.slice(from).filter((r) => r.url === `/api/records/${OBJECT}` && r.method === 'POST' || r.url === '/api/auth/refresh').map((r) => `${r.url === '/api/auth/refresh' ? 'refresh' : 'create'} ${r.status}`);
    expect(seen.slice(0, 3)).toEqual(['create 401', 'refresh 200', 'create 201']);
    await page.locator('[data-field=client_name]', { hasText: '张三' }).waitFor();
    await shot(page, 'session-saved-after-renewal');
    const saved = await apiAs('rm').records.list(OBJECT, {});
    expect(saved.items.map((r) => [r.client_name, r.remark])).toEqual([['张三', '客户有意向购买理财，下周再访']]);
    // Submitted: the draft is gone.
    expect(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('crm.draft:')))).toEqual([]);
    expect(realErrors(w.errors)).toEqual([]);
  }, 90_000);

  it('changes the own password from the user menu: a wrong current password is refused in Chinese', async () => {
    await page.click('[data-testid=user-menu]');
    await page.locator('.ant-dropdown-menu-item', { hasText: '修改密码' }).click();
    await page.fill('#current-password', 'Wrong#2026x');
    await page.fill('#new-password', 'Rm#Own-2026');
    await page.fill('#confirm-password', 'Rm#Own-2026');
    await page.click('[data-testid=change-password-submit]');
    await page.locator('[data-testid=change-password-error]', { hasText: '当前密码错误' }).waitFor();
    await shot(page, 'session-change-password-refused');
    await page.fill('#current-password', 'Demo@2026');
    await page.click('[data-testid=change-password-submit]');
    await page.locator('.ant-message', { hasText: '密码已修改' }).waitFor();
    await expect(createClient({ baseUrl: srv.baseUrl }).login({ username: 'rm', password: 'Demo@2026' })).rejects.toMatchObject({ status: 401 });
    // This browser continues in its new session.
    await page.reload();
    await page.locator('[data-testid=user-menu]').waitFor();
    expect(page.url()).not.toContain('/login');
  }, 60_000);

  it('an idle session ends: the next action lands on the login page with the reason', async () => {
    // Idle for longer than the timeout (30 minutes by default): the session's last use, moved back.
    await withClient(srv.dbUrl, (c) => c.query(`UPDATE crm.auth_sessions SET used_at = used_at - interval '31 minutes' WHERE revoked_at IS NULL`));
    const renewed = responses.filter((r) => r.url === '/api/auth/refresh' && r.status === 200).at(-1)!;
    await until(async () => Date.now() > renewed.at + 6_000, { ms: 15_000, everyMs: 250, what: 'the access token to expire' });
    // The next request (a click, or the inbox badge's own poll, whichever comes first) finds the session over.
    if (!new URL(page.url()).pathname.startsWith('/login')) await page.locator('.ant-menu-item', { hasText: '工作台' }).first().click({ timeout: 5_000 }).catch(() => undefined);
    await page.waitForURL((u) => u.pathname.startsWith('/login'));
    await page.locator('[data-testid=login-notice]', { hasText: '长时间未操作，已自动退出，请重新登录' }).waitFor();
    await shot(page, 'session-idle-notice');
    // Coming back later with a reload says the same.
    await page.goto(`${srv.baseUrl}/`);
    await page.waitForURL((u) => u.pathname.startsWith('/login'));
    expect(realErrors(w.errors)).toEqual([]);
  }, 60_000);
});
