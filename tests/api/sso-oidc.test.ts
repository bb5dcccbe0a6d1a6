/**
 * OpenID Connect single sign-on against a real provider (the certified `oidc-provider`, started here as
 * its own process), driven as a browser would: our /login redirect, the provider's login and consent
 * screens, the callback with the code, and the one-time code exchanged for a token. Covers provisioning
 * with mapped roles and org unit, no role → refused, a local name never taken over, a bad user name,
 * a forged or replayed state, a reused one-time code, an open redirect, and a provider that is down.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort, startServer, type TestServer } from '../harness/server.js';
import { as, call, refused, typed } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { oidcEnv, startOidcProvider, type TestIdp } from '../harness/oidc.js';

let idp: TestIdp;
let idpUrl: string;
let srv: TestServer;

beforeAll(async () => {
  const port = await freePort();
  idp = await startOidcProvider(port);
  idpUrl = idp.url;
  srv = await startServer({ port, env: oidcEnv(idpUrl, port) });
}, 60000);
afterAll(async () => {
  await srv?.stop();
  idp?.stop();
});

/** A browser's cookie jar for the provider: name=value pairs from Set-Cookie. */
class Jar {
  private cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** Follows the provider's screens as a user would, until it redirects back to us; returns that URL. */
async function throughProvider(start: string, account: string): Promise<URL> {
  const jar = new Jar();
  let url = start;
  let method = 'GET';
  let body: string | undefined;
  for (let step = 0; step < 20; step++) {
    if (url.startsWith(srv.baseUrl)) return new URL(url);
    const res = await fetch(url, { method, redirect: 'manual', body, headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) } });
    jar.take(res);
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location')!, url).href;
      method = 'GET';
      body = undefined;
      continue;
    }
    // A login or consent screen: submit its form (hidden fields, and the account on the login form).
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`unexpected provider page ${res.status}: ${html.slice(0, 300)}`);
    const fields = new URLSearchParams();
    for (const m of html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields.set(m[1]!, m[2]!);
    if (/name="login"/.test(html)) {
      fields.set('login', account);
      fields.set('password', 'any');
    }
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
    method = 'POST';
    body = fields.toString();
  }
  throw new Error('the provider never redirected back');
}

/** The whole sign-in: where our callback sends the browser (`/login?sso=…` or `/login?sso_error=…`). */
async function ssoLogin(account: string, returnTo?: string, alter?: (callback: URL) => void): Promise<URL> {
  const start = await fetch(`${srv.baseUrl}/api/auth/oidc/login${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`, { redirect: 'manual' });
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.get('location')!);
  expect(authorize.origin).toBe(idpUrl);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  const back = await throughProvider(authorize.href, account);
  alter?.(back);
  const cb = await fetch(back, { redirect: 'manual' });
  expect(cb.status).toBe(302);
  return new URL(cb.headers.get('location')!, srv.baseUrl);
}

const exchange = (code: string) => typed(srv.baseUrl).oidcExchange(code);
const sql = (text: string, params: unknown[] = []) => withClient(srv.dbUrl, (c) => c.query(text, params));

describe('single sign-on (OpenID Connect, authorisation code with PKCE)', () => {
  it('tells the login page that single sign-on is on', async () => {
    expect(await typed(srv.baseUrl).authProviders()).toEqual({ password: true, oidc: { label: '统一身份认证' }, ldap: false });
  });

  it('signs a user in, provisioned with mapped roles and org unit, through a one-time code', async () => {
    const to = await ssoLogin('zhou.sso', '/tasks');
    expect(to.pathname).toBe('/login');
    const code = to.searchParams.get('sso')!;
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const r = await exchange(code);
    expect(r).toMatchObject({ user: { username: 'zhou.sso', roles: ['rm'] }, returnTo: '/tasks' });
    const me = await typed(srv.baseUrl, r.accessToken).me();
    expect(me).toMatchObject({ username: 'zhou.sso', roles: ['rm'] });
    const row = (await sql(`SELECT u.auth_source, u.external_id, u.password_hash, u.display_name, o.code FROM crm.users u LEFT JOIN crm.org_units o ON o.id = u.org_unit_id WHERE u.username = 'zhou.sso'`)).rows[0];
    expect(row).toMatchObject({ auth_source: 'oidc', display_name: '周统一', code: 'SH-PD-T1', password_hash: '!directory' });
    expect(row.external_id).toBe('zhou.sso'); // the provider's subject for this account
    // The code is single use.
    expect((await refused(exchange(code))).status).toBe(401);
    expect((await refused(exchange('x'.repeat(43)))).status).toBe(401);
    const auditor = await as(srv.baseUrl, 'auditor');
    expect((await auditor.api.audit.list({ action: 'auth.login', actor: 'zhou.sso' })).items[0]).toMatchObject({ outcome: 'success', data: { method: 'oidc' } });
    const provisioned = (await auditor.api.audit.list({ action: 'user.provisioned' })).items.find((e) => e.recordId === r.user.id);
    expect(provisioned?.data).toMatchObject({ source: 'oidc', roles: ['rm'] });
    // A second sign-in is the same account (matched on the subject), not a new one.
    const again = await exchange((await ssoLogin('zhou.sso')).searchParams.get('sso')!);
    expect(again.user.id).toBe(r.user.id);
    expect(again.returnTo).toBe('/');
  });

  it('refuses a user with no mapped role, a local name and a user name not valid here', async () => {
    expect((await ssoLogin('nobody.sso')).searchParams.get('sso_error')).toBe('auth.no_role');
    expect((await ssoLogin('admin')).searchParams.get('sso_error')).toBe('auth.sso_conflict');
    expect((await ssoLogin('bad name!')).searchParams.get('sso_error')).toBe('auth.sso_bad_username');
    expect((await sql(`SELECT username, auth_source FROM crm.users WHERE username IN ('nobody.sso', 'admin', 'bad name!') ORDER BY 1`)).rows).toEqual([{ username: 'admin', auth_source: 'local' }]);
    expect((await typed(srv.baseUrl).login({ username: 'admin', password: 'Demo@2026' })).user.username).toBe('admin');
  });

  it('refuses a forged state and a replayed callback, and never redirects out of the application', async () => {
    const forged = await ssoLogin('wu.sso', undefined, (u) => u.searchParams.set('state', 'forged-state-value-0123456789'));
    expect(forged.searchParams.get('sso_error')).toBe('auth.sso_failed');
    // The real callback, used twice: the second finds its request consumed.
    let back: URL | undefined;
    const first = await ssoLogin('wu.sso', '//evil.example/x', (u) => (back = new URL(u.href)));
    const ok = await exchange(first.searchParams.get('sso')!);
    expect(ok).toMatchObject({ user: { username: 'wu.sso', roles: ['manager'] }, returnTo: '/' });
    const replay = await fetch(back!, { redirect: 'manual' });
    expect(new URL(replay.headers.get('location')!, srv.baseUrl).searchParams.get('sso_error')).toBe('auth.sso_failed');
    // A malformed callback goes back to the login page too, not to an error page with details.
    const junk = await fetch(`${srv.baseUrl}/api/auth/oidc/callback?unexpected=1`, { redirect: 'manual' });
    expect(junk.headers.get('location')).toBe('/login?sso_error=auth.sso_failed');
    const auditor = await as(srv.baseUrl, 'auditor');
    const failures = await auditor.api.audit.list({ action: 'auth.login' });
    expect(failures.items.map((e) => e.data as { method?: string; reason?: string }).filter((d) => d.method === 'oidc' && d.reason === 'unknown_state').length).toBeGreaterThanOrEqual(1);
  });

  it('answers 503 when the provider cannot be reached, without its details', async () => {
    const port = await freePort();
    const dead = await startServer({ port, env: oidcEnv(`http://127.0.0.1:${await freePort()}`, port) });
    try {
      // Raw: a redirect route (no typed method); here it answers an error instead of the redirect.
      const r = await call(dead.baseUrl, 'GET', '/api/auth/oidc/login');
      expect(r).toMatchObject({ status: 503, body: { error: { code: 'auth.sso_unavailable' } } });
      expect(JSON.stringify(r.body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|secret/);
    } finally {
      await dead.stop();
    }
  });
});
