/**
 * Abuse limits (issue 20, item 6): login attempts are counted before the password is checked, in one
 * statement, so a flood of parallel guesses never verifies more than the lockout allows — the right
 * password sent last gets no token; logins are rate limited per IP and per user name, and every API
 * request per IP and per credential, answering 429 in the error format with `Retry-After`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { call, login, type Reply } from '../harness/http.js';
import { withClient } from '../harness/db.js';

const tally = (replies: Reply[]) => replies.reduce<Record<number, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});
const loginAs = (srv: TestServer, username: string, password: string, headers?: Record<string, string>) =>
  call(srv.baseUrl, 'POST', '/api/auth/login', { body: { username, password }, headers });

describe('login flood and rate limits', () => {
  let flood: TestServer;
  let plain: TestServer;
  beforeAll(async () => {
    // Per-IP login limit above the flood minus a margin, per-name limit off: the lockout alone must hold.
    [flood, plain] = await Promise.all([
      startServer({ env: { CRM_LOGIN_RATE_USER: '0', CRM_LOGIN_RATE_IP: '150', CRM_RATE_LIMIT_USER: '30' } }),
      startServer(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([flood?.stop(), plain?.stop()]);
  });

  it('200 parallel logins with the right password last: no token, at most 5 passwords checked, the rest 423 or 429', async () => {
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => loginAs(flood, 'manager', i === 199 ? 'Demo@2026' : `Wrong#${i}-pass`)));
    const counts = tally(replies);
    expect(counts[200]).toBeUndefined();
    expect(replies.some((r) => r.body?.accessToken)).toBe(false);
    // Only the reserved attempts reach the password check: at most five 401s (the fifth locks, 423).
    expect((counts[401] ?? 0)).toBeLessThanOrEqual(4);
    expect(counts[423]).toBeGreaterThan(0);
    expect(counts[429]).toBe(50);
    expect(Object.keys(counts).sort()).toEqual(Object.keys(counts).filter((s) => ['401', '423', '429'].includes(s)).sort());
    const limited = replies.find((r) => r.status === 429)!;
    expect(limited.body.error).toMatchObject({ code: 'auth.rate_limited' });
    expect(limited.body.error.message).toMatch(/^请求过于频繁，请 \d+ 秒后再试$/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The account is locked now; once the lock lapses the right password works again.
    const failures = await withClient(flood.dbUrl, (c) => c.query(`SELECT count(*)::int AS n FROM crm.audit_log WHERE action = 'auth.login' AND outcome = 'failure' AND actor_name = 'manager'`));
    expect(failures.rows[0].n).toBeLessThanOrEqual(5);
    await withClient(flood.dbUrl, (c) => c.query(`UPDATE crm.login_attempts SET locked_until = now() - interval '1 second' WHERE username = 'manager'`));
    // From another client address (this server's address budget is spent by the flood).
    const after = await call(flood.baseUrl, 'POST', '/api/auth/login', { body: { username: 'manager', password: 'Demo@2026' }, headers: { 'x-forwarded-for': '10.0.0.9' } });
    expect(after.status).toBe(200);
  });

  it('every request counts against its credential: one busy token is slowed down, another user is not', async () => {
    const headers = { 'x-forwarded-for': '10.0.0.10' };
    const rm = (await call(flood.baseUrl, 'POST', '/api/auth/login', { body: { username: 'rm', password: 'Demo@2026' }, headers })).body.accessToken as string;
    const analyst = (await call(flood.baseUrl, 'POST', '/api/auth/login', { body: { username: 'analyst', password: 'Demo@2026' }, headers })).body.accessToken as string;
    const replies = await Promise.all(Array.from({ length: 40 }, () => call(flood.baseUrl, 'GET', '/api/auth/me', { token: rm, headers: { 'accept-language': 'en' } })));
    expect(tally(replies)).toEqual({ 200: 30, 429: 10 });
    const limited = replies.find((r) => r.status === 429)!;
    expect(limited.body.error.message).toMatch(/^Too many requests; try again in \d+ seconds$/);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await call(flood.baseUrl, 'GET', '/api/auth/me', { token: analyst })).status).toBe(200);
  });

  it('with the default limits a user name gets 10 login attempts a minute, right password or not; health stays open', async () => {
    const replies: Reply[] = [];
    for (let i = 0; i < 12; i++) replies.push(await loginAs(plain, 'analyst', 'Demo@2026'));
    expect(replies.map((r) => r.status)).toEqual([...Array(10).fill(200), 429, 429]);
    expect(replies[11].body.error.message).toMatch(/请求过于频繁/);
    // Another name from the same address is not affected; a name in other letter case is the same name.
    expect((await loginAs(plain, 'rm', 'Demo@2026')).status).toBe(200);
    expect((await loginAs(plain, ' ANALYST', 'Demo@2026')).status).toBe(429);
    expect((await call(plain.baseUrl, 'GET', '/api/health')).status).toBe(200);
    expect(await login(plain.baseUrl, 'manager')).toMatch(/^ey/);
  });
});
