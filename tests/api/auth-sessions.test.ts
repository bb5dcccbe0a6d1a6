/**
 * Browser sessions through the real server: login answers as before and also sets the refresh cookie
 * (HttpOnly, SameSite=Strict, Path=/api/auth, not Secure over plain HTTP); POST /api/auth/refresh needs
 * the X-CRM-Refresh header and this server's own Origin, rotates the cookie, and a replayed old cookie
 * (after the race grace, aged in the database) ends the whole session; logout, a password change or
 * reset and idleness end it; a temporary password gets no session and opens only the change step.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as, typed } from '../harness/http.js';
import { withClient } from '../harness/db.js';

const COOKIE = 'crm_refresh';

describe('refresh-token sessions', () => {
  let srv: TestServer;
  const sql = (q: string, p: unknown[] = []) => withClient(srv.dbUrl, (c) => c.query(q, p));

  beforeAll(async () => {
    srv = await startServer({ env: { CRM_IDLE_TIMEOUT_MINUTES: '20', CRM_TRUST_PROXY: '127.0.0.1' } });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  const post = (path: string, init: { body?: unknown; cookie?: string | null; headers?: Record<string, string>; token?: string } = {}) =>
    fetch(`${srv.baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(init.cookie ? { cookie: `${COOKIE}=${init.cookie}` } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...init.headers,
      },
      body: JSON.stringify(init.body ?? {}),
    });
  const setCookie = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`)) ?? null;
  const cookieValue = (res: Response) => /^crm_refresh=([^;]*)/.exec(setCookie(res) ?? '')?.[1] ?? null;
  const refresh = (cookie: string | null, headers: Record<string, string> = { 'x-crm-refresh': '1' }) => post('/api/auth/refresh', { cookie, headers });
  const signIn = async (username: string, password = 'Demo@2026') => {
    const res = await post('/api/auth/login', { body: { username, password } });
    expect(res.status).toBe(200);
    return { res, body: await res.json(), cookie: cookieValue(res)! };
  };

  it('login keeps its answer and sets an HttpOnly, SameSite=Strict cookie for /api/auth only', async () => {
    const { res, body, cookie } = await signIn('rm');
    expect(Object.keys(body).sort()).toEqual(['accessToken', 'expiresAt', 'user']);
    const c = setCookie(res)!;
    expect(c).toMatch(/; HttpOnly/i);
    expect(c).toMatch(/; SameSite=Strict/i);
    expect(c).toMatch(/; Path=\/api\/auth(;|$)/);
    expect(c).not.toMatch(/; Secure/i); // plain HTTP here; HTTPS (or a trusted proxy's X-Forwarded-Proto) adds it
    expect(cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Stored hashed only.
    expect((await sql('SELECT count(*)::int AS n FROM crm.auth_sessions WHERE token_hash = $1', [cookie])).rows[0].n).toBe(0);
    // Behind a TLS-terminating proxy that the server trusts, the cookie is Secure.
    const tls = await fetch(`${srv.baseUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' }, body: JSON.stringify({ username: 'rm', password: 'Demo@2026' }) });
    expect(setCookie(tls) ?? '').toMatch(/; Secure/i);
  });

  it('refresh rotates the cookie and answers a working access token; the bearer API keeps working', async () => {
    const { cookie } = await signIn('rm');
    const res = await refresh(cookie);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ user: { username: 'rm' }, idleTimeoutSeconds: 1200 });
    const next = cookieValue(res);
    expect(next).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(next).not.toBe(cookie);
    expect(await typed(srv.baseUrl, body.accessToken).me()).toMatchObject({ username: 'rm' });
    expect((await refresh(next)).status).toBe(200);
  });

  it('refuses a refresh another site could have caused: no custom header, a foreign Origin', async () => {
    const { cookie } = await signIn('rm');
    for (const headers of [{}, { 'x-crm-refresh': '0' }, { 'x-crm-refresh': '1', origin: 'https://evil.example' }, { 'x-crm-refresh': '1', origin: 'null' }]) {
      const res = await refresh(cookie, headers as Record<string, string>);
      expect([JSON.stringify(headers), res.status, (await res.json()).error.code]).toEqual([JSON.stringify(headers), 403, 'auth.session_header']);
    }
    // Same-origin requests pass; nothing above used up the cookie.
    expect((await refresh(cookie, { 'x-crm-refresh': '1', origin: srv.baseUrl })).status).toBe(200);
    // GET is no way in either.
    expect((await fetch(`${srv.baseUrl}/api/auth/refresh`, { headers: { cookie: `${COOKIE}=${cookie}`, 'x-crm-refresh': '1' } })).status).toBe(404);
  });

  it('a replayed old cookie ends the whole session (reuse detection) and deletes the cookie', async () => {
    const { cookie: first } = await signIn('manager');
    const second = cookieValue(await refresh(first))!;
    // The race grace (a few seconds) has passed: age the rotation in the database.
    await sql(`UPDATE crm.auth_sessions SET rotated_at = rotated_at - interval '1 minute' WHERE rotated_at IS NOT NULL`);
    const replay = await refresh(first);
    expect(replay.status).toBe(401);
    expect((await replay.json()).error).toMatchObject({ code: 'auth.session_reused', message: expect.stringMatching(/重复使用/) });
    expect(setCookie(replay)).toMatch(/^crm_refresh=;.*Expires=Thu, 01 Jan 1970/);
    // The legitimate holder's newer cookie is dead too.
    const after = await refresh(second);
    expect([after.status, (await after.json()).error.code]).toEqual([401, 'auth.session_revoked']);
    const audit = await sql(`SELECT count(*)::int AS n FROM crm.audit_log WHERE action = 'auth.session.refresh' AND outcome = 'denied' AND data->>'reason' = 'reuse'`);
    expect(audit.rows[0].n).toBe(1);
  });

  it('logout ends the session; no cookie, a made-up cookie: 401 in Chinese', async () => {
    const { cookie } = await signIn('rm');
    const out = await post('/api/auth/logout', { cookie, headers: { 'x-crm-refresh': '1' } });
    expect(out.status).toBe(204);
    expect(setCookie(out)).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await refresh(cookie)).status).toBe(401);
    expect((await post('/api/auth/logout', { cookie })).status).toBe(403);
    for (const c of [null, 'x'.repeat(43), "'; DROP TABLE crm.auth_sessions; --"]) {
      const r = await refresh(c);
      const body = await r.json();
      expect([r.status, body.error.code]).toEqual([401, 'auth.session_missing']);
      expect(body.error.message).toBe('未登录或登录已失效，请重新登录');
    }
    // Both routes are in the OpenAPI document, public (the session cookie, not a bearer token), refresh with its answer's schema.
    const doc = await (await fetch(`${srv.baseUrl}/api/openapi.json`)).json();
    const op = (path: string) => doc.paths[path]?.post;
    expect(op('/api/auth/refresh')).toMatchObject({ security: [], tags: ['auth'] });
    const ok = Object.entries(op('/api/auth/refresh').responses as Record<string, { content?: Record<string, { schema: unknown }> }>).find(([s]) => s.startsWith('2'))![1];
    expect(ok.content?.['application/json']?.schema).toEqual(expect.any(Object));
    expect(op('/api/auth/logout')).toMatchObject({ security: [] });
  });

  it('idle longer than CRM_IDLE_TIMEOUT_MINUTES ends the session', async () => {
    const { cookie } = await signIn('analyst');
    await sql(`UPDATE crm.auth_sessions SET used_at = used_at - interval '21 minutes' WHERE revoked_at IS NULL AND rotated_at IS NULL AND user_id = (SELECT id FROM crm.users WHERE username = 'analyst')`);
    const r = await refresh(cookie);
    expect([r.status, (await r.json()).error.message]).toEqual([401, '长时间未操作，已自动退出，请重新登录']);
  });

  it('a password change ends other sessions and starts a new one; a reset forces a change and gives no session until then', async () => {
    const admin = await as(srv.baseUrl, 'admin');
    const made = await admin.api.admin.createUser({ username: 'teller_sess', password: 'Teller#2026a', roles: ['rm'] });
    const other = await signIn('teller_sess', 'Teller#2026a');
    const mine = await signIn('teller_sess', 'Teller#2026a');
    const weak = await post('/api/auth/change-password', { token: mine.body.accessToken, body: { currentPassword: 'Teller#2026a', newPassword: 'short' } });
    expect(weak.status).toBe(400);
    expect(JSON.stringify(await weak.json())).toMatch(/[\u4e00-\u9fff]/);
    const changed = await post('/api/auth/change-password', { token: mine.body.accessToken, body: { currentPassword: 'Teller#2026a', newPassword: 'Teller#2026b' } });
    expect(changed.status).toBe(200);
    const fresh = cookieValue(changed);
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await refresh(other.cookie)).status).toBe(401);
    expect((await refresh(mine.cookie)).status).toBe(401);
    expect((await refresh(fresh)).status).toBe(200);

    // The administrator resets it: every session ends; the temporary password gets no cookie and only the change step.
    const live = await signIn('teller_sess', 'Teller#2026b');
    const reset = await admin.api.admin.resetPassword(made.id);
    const temp = (reset as { temporaryPassword: string }).temporaryPassword;
    expect((await refresh(live.cookie)).status).toBe(401);
    const tempLogin = await post('/api/auth/login', { body: { username: 'teller_sess', password: temp } });
    const tempBody = await tempLogin.json();
    expect(tempBody.passwordChangeRequired).toBe(true);
    expect(setCookie(tempLogin)).toBeNull();
    const meWhileTemp = await fetch(`${srv.baseUrl}/api/auth/me`, { headers: { authorization: `Bearer ${tempBody.accessToken}` } });
    expect([meWhileTemp.status, (await meWhileTemp.json()).error.code]).toEqual([403, 'auth.password_change_required']);
    const done = await post('/api/auth/change-password', { token: tempBody.accessToken, body: { currentPassword: temp, newPassword: 'Teller#2026c' } });
    expect(done.status).toBe(200);
    expect((await refresh(cookieValue(done))).status).toBe(200);
  });

  it('a disabled account cannot refresh', async () => {
    const admin = await as(srv.baseUrl, 'admin');
    const made = await admin.api.admin.createUser({ username: 'teller_off', password: 'Teller#2026a', roles: ['rm'] });
    const { cookie } = await signIn('teller_off', 'Teller#2026a');
    await admin.api.admin.updateUser(made.id, { disabled: true });
    const r = await refresh(cookie);
    expect([r.status, (await r.json()).error.code]).toEqual([401, 'auth.session_revoked']);
  });
});
