/**
 * The integration settings screens in a real browser, against real counterparts: the single sign-on
 * screen (security administrator) saves directory settings for a real OpenLDAP (`slapd`) and OIDC
 * settings for the test OpenID provider, tests both (results in Chinese), and the saved settings are in
 * force at once — a directory user logs in with the mapped role, the login page offers the SSO button;
 * secrets are never shown back. The connectors screen (designer) creates an HTTP connector to a local
 * receiver with a write-only token, tests it (the receiver sees the token; the screen never does), shows
 * a failing test's reason in Chinese and the run history. Each menu shows only to holders of its right.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { createClient } from '@crm/shared';
import { freePort, startServer, type TestServer } from '../harness/server.js';
import { startOidcProvider, type TestIdp } from '../harness/oidc.js';
import { baseLdif, startSlapd, type Slapd } from '../harness/slapd.js';
import { apiAs, choose, launch, newPage, openMenuEntry, realErrors, shot, signIn, signOut, type Watched } from './browser.js';

const S = 'dc=bank,dc=test';
const SVC_PASSWORD = 'Svc@2026secret';
const LDIF = `${baseLdif(S)}
dn: cn=crm-svc,${S}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: crm-svc
userPassword: ${SVC_PASSWORD}

dn: uid=sunqi,ou=people,${S}
objectClass: inetOrgPerson
uid: sunqi
cn: 孙七
sn: 孙
userPassword: Sq@2026pass

dn: cn=crm-rm,ou=groups,${S}
objectClass: groupOfNames
cn: crm-rm
member: uid=sunqi,ou=people,${S}
`;
const TOKEN = 'partner-token-never-shown-9f3c';

describe('integration settings screens', () => {
  let ldap: Slapd;
  let idp: TestIdp;
  let srv: TestServer;
  let browser: Browser;
  let w: Watched;
  let page: Page;
  const seen: string[] = [];
  const rx = http.createServer((req, res) => {
    seen.push(String(req.headers.authorization ?? ''));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  let rxOrigin = '';
  let deadOrigin = '';

  beforeAll(async () => {
    await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
    rxOrigin = `http://127.0.0.1:${(rx.address() as AddressInfo).port}`;
    deadOrigin = `http://127.0.0.1:${await freePort()}`;
    const port = await freePort();
    [ldap, idp] = await Promise.all([startSlapd(LDIF, S), startOidcProvider(port)]);
    // No CRM_LDAP_* nor CRM_OIDC_* settings: everything comes from the screen.
    srv = await startServer({ port, env: { CRM_OIDC_ALLOW_INSECURE_HTTP: '1', CRM_WORKFLOW_HTTP_ALLOW: `${rxOrigin},${deadOrigin}` }, timeoutMs: Number(process.env.BROWSER_SERVER_TIMEOUT_MS ?? 60_000) });
    browser = await launch();
    w = await newPage(browser);
    page = w.page;
    await page.setViewportSize({ width: 1366, height: 900 });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await srv?.stop();
    idp?.stop();
    await ldap?.stop();
    await new Promise((r) => rx.close(r));
  });

  /** Maps `crm-rm` to the 客户经理 role on one kind's card and saves it. */
  async function mapAndSave(kind: 'ldap' | 'oidc'): Promise<void> {
    const form = `[data-testid=${kind}-form]`;
    await page.locator(`${form} [data-testid=mapping-add]`).click();
    await page.locator(`${form} [data-testid=mapping-value-0]`).fill('crm-rm');
    await choose(page, `${form} [data-testid=mapping-roles-0]`, '客户经理');
    await page.keyboard.press('Escape');
    await page.click(`[data-testid=${kind}-save]`);
    await page.locator(`[data-testid=${kind}-saved]`).waitFor();
  }

  it('shows each settings menu only to holders of its right', async () => {
    await signIn(page, srv.baseUrl, 'rm');
    await page.locator('[data-testid=main-menu]').waitFor();
    const rmMenu = await page.locator('[data-testid=main-menu]').textContent();
    expect(rmMenu).not.toContain('连接器');
    expect(rmMenu).not.toContain('统一身份认证');
    await signOut(page);
    await signIn(page, srv.baseUrl, 'analyst');
    await openMenuEntry(page, '/admin/connectors', '系统管理');
    const analystMenu = await page.locator('[data-testid=main-menu]').textContent();
    expect(analystMenu).toContain('连接器');
    expect(analystMenu).not.toContain('统一身份认证');
    await signOut(page);
  }, 90_000);

  it('saves and tests directory and OIDC settings, which are in force at once', async () => {
    w.errors.length = 0;
    await signIn(page, srv.baseUrl, 'security');
    await openMenuEntry(page, '/admin/sso', '系统管理');
    await page.locator('[data-testid=sso-source]', { hasText: '未配置' }).first().waitFor();

    // The directory: server, service account (write-only password), bases, group → role.
    await page.click('[data-testid=ldap-enabled]');
    await page.fill('[data-testid=ldap-url]', ldap.url);
    await page.fill('[data-testid=ldap-bind-dn]', `cn=crm-svc,${S}`);
    await page.fill('[data-testid=ldap-bind-password]', SVC_PASSWORD);
    await page.fill('[data-testid=ldap-user-base]', `ou=people,${S}`);
    await page.fill('[data-testid=ldap-group-base]', `ou=groups,${S}`);
    await mapAndSave('ldap');
    await page.locator('[data-testid=sso-source]', { hasText: '本页保存' }).first().waitFor();
    // The password is never shown back: the field is empty and says a secret is stored.
    expect(await page.locator('[data-testid=ldap-bind-password]').inputValue()).toBe('');
    await page.locator('[data-testid=ldap-form]', { hasText: '已设置；留空则保持不变' }).waitFor();

    await page.click('[data-testid=ldap-test]');
    await page.locator('[data-testid=ldap-test-result]', { hasText: '目录连接成功，服务账号绑定通过' }).waitFor();
    await page.fill('[data-testid=ldap-test-user]', 'sunqi');
    await page.click('[data-testid=ldap-test]');
    await page.locator('[data-testid=ldap-test-result]', { hasText: '找到用户 sunqi，映射角色：rm' }).waitFor();
    await shot(page, 'sso-settings-ldap');
    await page.fill('[data-testid=ldap-test-user]', 'nobody');
    await page.click('[data-testid=ldap-test]');
    await page.locator('[data-testid=ldap-test-result]', { hasText: '未找到用户 nobody' }).waitFor();

    // In force at once: the directory user logs in with the mapped role.
    const login = await createClient({ baseUrl: srv.baseUrl }).login({ username: 'sunqi', password: 'Sq@2026pass' });
    expect(login.user).toMatchObject({ username: 'sunqi', roles: ['rm'] });

    // OIDC: issuer, client (write-only secret), claim value → role, enabled.
    await page.getByRole('tab', { name: 'OIDC' }).click();
    await page.click('[data-testid=oidc-enabled]');
    await page.fill('[data-testid=oidc-issuer]', idp.url);
    await page.fill('[data-testid=oidc-client-id]', 'bank-crm');
    await page.fill('[data-testid=oidc-client-secret]', 'bank-crm-oidc-secret-for-tests');
    await page.fill('[data-testid=oidc-label]', '行内统一认证');
    await mapAndSave('oidc');
    await page.click('[data-testid=oidc-test]');
    await page.locator('[data-testid=oidc-test-result]', { hasText: '身份提供方可用' }).waitFor();
    await shot(page, 'sso-settings-oidc');

    // No secret anywhere in what the screen reads.
    const security = await apiAs(srv.baseUrl, 'security');
    const view = JSON.stringify(await security.admin.ssoSettings());
    expect(view).not.toContain(SVC_PASSWORD);
    expect(view).not.toContain('bank-crm-oidc-secret-for-tests');
    // A provider that does not answer: the test says so in Chinese.
    const settings = await security.admin.ssoSettings();
    await security.admin.saveOidcSettings({ ...settings.oidc.settings!, issuer: deadOrigin });
    await page.reload();
    await page.getByRole('tab', { name: 'OIDC' }).click();
    await page.click('[data-testid=oidc-test]');
    await page.locator('[data-testid=oidc-test-result]', { hasText: '身份提供方不可用' }).waitFor();
    await security.admin.saveOidcSettings({ ...settings.oidc.settings!, issuer: idp.url });

    // The login page offers the provider's button with the saved label.
    await signOut(page);
    await page.goto(`${srv.baseUrl}/login`);
    await page.locator('[data-testid=login-sso]', { hasText: '行内统一认证' }).waitFor();
    await shot(page, 'sso-settings-login-button');
    expect(realErrors(w.errors)).toEqual([]);
  }, 180_000);

  it('creates, tests and edits a connector with a write-only secret and shows its run history', async () => {
    w.errors.length = 0;
    await signIn(page, srv.baseUrl, 'analyst');
    await openMenuEntry(page, '/admin/connectors', '系统管理');
    await page.click('[data-testid=connector-create]');
    await page.fill('[data-testid=connector-key]', 'core_api');
    await page.fill('[data-testid=connector-name]', '核心系统接口');
    // The kind's settings are a form (declared in the shared contract), checked in Chinese before saving.
    await page.fill('[data-testid=connector-setting-baseUrl]', 'core.bank.example/api');
    await page.fill('[data-testid=connector-setting-timeoutMs]', '50');
    await choose(page, '[data-testid=connector-setting-auth-type]', 'API Key 请求头');
    await page.fill('[data-testid=connector-setting-auth-header]', 'x api key');
    await page.click('[data-testid=connector-save]');
    const settings = page.locator('[data-testid=connector-settings]');
    await settings.locator('.ant-form-item-explain-error', { hasText: '请填写以 http:// 或 https:// 开头的地址' }).waitFor();
    await settings.locator('.ant-form-item-explain-error', { hasText: '超时（毫秒）应为100 至 60000 之间的整数' }).waitFor();
    await settings.locator('.ant-form-item-explain-error', { hasText: '只能包含字母、数字和连字符' }).waitFor();
    await settled(page);
    await shot(page, 'connectors-settings-errors');
    await page.fill('[data-testid=connector-setting-baseUrl]', `${rxOrigin}/core`);
    await page.fill('[data-testid=connector-setting-timeoutMs]', '5000');
    await choose(page, '[data-testid=connector-setting-auth-type]', '令牌（Bearer）');
    await page.locator('[data-testid=connector-setting-auth-header]').waitFor({ state: 'detached' });
    await page.fill('[data-testid=connector-setting-headers]', 'x-channel=crm');
    await page.fill('[data-testid=connector-secret]', TOKEN);
    await page.click('[data-testid=connector-save]');
    await page.locator('[data-testid=connector-list]', { hasText: '核心系统接口' }).waitFor();
    const saved = (await (await apiAs(srv.baseUrl, 'analyst')).connectors.list()).find((c) => c.key === 'core_api');
    expect(saved?.config).toMatchObject({ baseUrl: `${rxOrigin}/core`, auth: { type: 'bearer' }, headers: { 'x-channel': 'crm' }, timeoutMs: 5000 });

    await page.click('[data-testid=connector-test-core_api]');
    await page.locator('[data-testid=connector-test-result]', { hasText: '连接成功' }).waitFor();
    expect(await page.locator('[data-testid=connector-test-result]').textContent()).toContain('HTTP 200');
    expect(seen).toContain(`Bearer ${TOKEN}`);
    await shot(page, 'connectors-list-tested');

    // Editing shows that a secret is stored, never the secret; saving without one keeps it.
    await page.click('[data-testid=connector-edit-core_api]');
    expect(await page.locator('[data-testid=connector-secret]').inputValue()).toBe('');
    await page.locator('[data-testid=connector-form]', { hasText: '已设置；留空则保持不变' }).waitFor();
    expect(await page.locator('[data-testid=connector-setting-baseUrl]').inputValue()).toBe(`${rxOrigin}/core`);
    expect(await page.locator('[data-testid=connector-setting-headers]').inputValue()).toBe('x-channel=crm');
    await settled(page);
    await shot(page, 'connectors-edit');
    await page.fill('[data-testid=connector-setting-baseUrl]', `${deadOrigin}/core`);
    await page.click('[data-testid=connector-save]');
    await page.locator('.ant-modal').waitFor({ state: 'hidden' });
    // The counterpart is down: the reason in Chinese.
    await page.click('[data-testid=connector-test-core_api]');
    await page.locator('[data-testid=connector-test-result]', { hasText: '连接失败' }).waitFor();
    expect(await page.locator('[data-testid=connector-test-result]').textContent()).toContain('无法连接到对方系统');

    await page.click('[data-testid=connector-runs-core_api]');
    const runs = page.locator('[data-testid=connector-run-list]');
    await runs.locator('tr', { hasText: '无法连接到对方系统' }).waitFor();
    await runs.locator('tr', { hasText: 'HTTP 200' }).waitFor();
    await shot(page, 'connectors-run-history');
    expect(await page.content()).not.toContain(TOKEN);
    expect(realErrors(w.errors)).toEqual([]);
  }, 120_000);
});

/** Waits for the page's running finite animations (a dialog fading in) to end, so a screenshot shows the end state. */
async function settled(page: Page): Promise<void> {
  await page.evaluate(() => Promise.all(document.getAnimations().filter((a) => a.effect?.getTiming().iterations !== Infinity).map((a) => a.finished.catch(() => undefined))));
}
