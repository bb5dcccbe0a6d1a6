/**
 * Single sign-on in the browser: the login page offers the bank's identity provider; a click goes to
 * the provider's screens and back, and the user lands in the application signed in — the token never
 * travels in an address (a one-time code is exchanged for it). A user with no role comes back to the
 * login page with the reason in Chinese.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { freePort, startServer, type TestServer } from '../harness/server.js';
import { oidcEnv, startOidcProvider, type TestIdp } from '../harness/oidc.js';
import { launch, newPage, realErrors, sessionToken, shot, type Watched } from './browser.js';

let idp: TestIdp;
let srv: TestServer;
let browser: Browser;
let w: Watched;
let page: Page;

beforeAll(async () => {
  const port = await freePort();
  idp = await startOidcProvider(port);
  srv = await startServer({ port, env: oidcEnv(idp.url, port) });
  browser = await launch();
  w = await newPage(browser);
  page = w.page;
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await srv?.stop();
  idp?.stop();
});

/** Signs in at the provider's (development) screens: the account, then consent. */
async function atProvider(account: string): Promise<void> {
  await page.waitForURL((u) => u.origin === idp.url);
  await page.fill('input[name=login]', account);
  await page.fill('input[name=password]', 'any');
  await page.click('button[type=submit]');
  // The consent screen, the first time this account meets the client.
  await page.waitForURL((u) => u.origin !== idp.url || /interaction/.test(u.pathname));
  if (new URL(page.url()).origin === idp.url) await page.click('button[type=submit]');
}

describe('single sign-on in the browser', () => {
  it('signs in through the identity provider and lands in the application', async () => {
    await page.goto(`${srv.baseUrl}/login`);
    const sso = page.locator('[data-testid=login-sso]');
    await sso.waitFor();
    expect(await sso.textContent()).toContain('使用统一身份认证登录');
    await shot(page, 'login-sso-button');
    await sso.click();
    await atProvider('zhou.sso');
    await page.waitForURL((u) => u.origin === srv.baseUrl && !u.pathname.startsWith('/login'));
    expect(page.url()).not.toContain('sso=');
    // The token lives in the page's memory only; the session cookie gives one.
    expect(await page.evaluate(() => localStorage.getItem('crm.token'))).toBeNull();
    const token = await sessionToken(page);
    expect(token).toBeTruthy();
    const me = await fetch(`${srv.baseUrl}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.json());
    expect(me).toMatchObject({ username: 'zhou.sso', roles: ['rm'] });
    await shot(page, 'login-sso-landed');
    // The provider's development screens ask for web fonts this offline machine cannot resolve; our pages must log nothing.
    expect(realErrors(w.errors).filter((e) => !e.includes('ERR_NAME_NOT_RESOLVED'))).toEqual([]);
  });

  it('brings a user without a role back to the login page with the reason', async () => {
    // A new browser profile: no session at the provider nor here.
    w = await newPage(browser);
    page = w.page;
    await page.goto(`${srv.baseUrl}/login`);
    await page.locator('[data-testid=login-sso]').click();
    await atProvider('nobody.sso');
    await page.waitForURL((u) => u.origin === srv.baseUrl && u.pathname === '/login');
    const error = page.locator('[data-testid=login-error]');
    await error.waitFor();
    expect(await error.textContent()).toContain('未分配本系统的任何角色');
    await shot(page, 'login-sso-no-role');
  });
});
