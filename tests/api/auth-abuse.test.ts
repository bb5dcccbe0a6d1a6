/**
 * Abuse limits (issue 20, item 6): login attempts are counted before the password is checked, in one
 * statement, so a flood of parallel guesses never verifies more than the lockout allows — the right
 * password sent last gets no token; logins are rate limited per IP and per user name, and every API
 * request per IP and per credential, answering 429 in the error format with `Retry-After`.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { call, login, refused, typed, type Reply } from '../harness/http.js';
import { withClient } from '../harness/db.js';

const tally = (replies: Reply[]) => replies.reduce<Record<number, number>>((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {});
// Raw: the checks below tally the exact statuses of floods and read Retry-After and forged X-Forwarded-For headers.
const loginAs = (srv: TestServer, username: string, password: string, headers?: Record<string, string>) =>
  call(srv.baseUrl, 'POST', '/api/auth/login', { body: { username, password }, headers });

describe('login flood and rate limits', () => {
  let flood: TestServer;
  let plain: TestServer;
  beforeAll(async () => {
    // flood: login limits off, so the lockout alone must hold; a small per-credential limit.
    [flood, plain] = await Promise.all([
      startServer({ env: { CRM_LOGIN_RATE_USER: '0', CRM_LOGIN_RATE_IP: '0', CRM_RATE_LIMIT_USER: '30' } }),
      startServer(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([flood?.stop(), plain?.stop()]);
  });

  it('without rate limits, 200 parallel logins with the right password last: no token, at most 5 passwords checked', async () => {
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => loginAs(flood, 'manager', i === 199 ? 'Demo@2026' : `Wrong#${i}-pass`)));
    const counts = tally(replies);
    expect(replies.some((r) => r.status === 200 || r.body?.accessToken)).toBe(false);
    // Every attempt is counted before its password is checked: at most four 401s, the fifth failure locks (423), the rest are refused unchecked.
    expect(counts[401] ?? 0).toBeLessThanOrEqual(4);
    expect((counts[401] ?? 0) + (counts[423] ?? 0)).toBe(200);
    const failures = await withClient(flood.dbUrl, (c) => c.query(`SELECT count(*)::int AS n FROM crm.audit_log WHERE action = 'auth.login' AND outcome = 'failure' AND actor_name = 'manager'`));
    expect(failures.rows[0].n).toBeLessThanOrEqual(5);
    // Locked now, even for the right password; once the lock lapses it works again.
    const locked = await refused(typed(flood.baseUrl).login({ username: 'manager', password: 'Demo@2026' }));
    expect([locked.status, locked.code]).toEqual([423, 'auth.locked']);
    await withClient(flood.dbUrl, (c) => c.query(`UPDATE crm.login_attempts SET locked_until = now() - interval '1 second' WHERE username = 'manager'`));
    expect(await typed(flood.baseUrl).login({ username: 'manager', password: 'Demo@2026' })).toMatchObject({ accessToken: expect.any(String), user: { username: 'manager' } });
  });

  it('every request counts against its credential: one busy token is slowed down, another user is not', async () => {
    const rm = await login(flood.baseUrl, 'rm');
    const analyst = await login(flood.baseUrl, 'analyst');
    // Raw: a tally of exact statuses, and the Retry-After header.
    const replies = await Promise.all(Array.from({ length: 40 }, () => call(flood.baseUrl, 'GET', '/api/auth/me', { token: rm, headers: { 'accept-language': 'en' } })));
    expect(tally(replies)).toEqual({ 200: 30, 429: 10 });
    const limited = replies.find((r) => r.status === 429)!;
    expect(limited.body.error).toMatchObject({ code: 'auth.rate_limited' });
    expect(limited.body.error.message).toMatch(/^Too many requests; try again in \d+ seconds$/);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await typed(flood.baseUrl, analyst).me()).toMatchObject({ username: 'analyst' });
  });

  it('per-IP limits follow X-Forwarded-For only as far as CRM_TRUST_PROXY allows', async () => {
    // Trusting no proxy, a client cannot dodge the per-IP login limit by inventing addresses.
    const strict = await startServer({ env: { CRM_TRUST_PROXY: 'false', CRM_LOGIN_RATE_IP: '3', CRM_LOGIN_RATE_USER: '0' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await loginAs(strict, 'rm', 'Demo@2026', { 'x-forwarded-for': `10.1.0.${i}` })).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
    } finally {
      await strict.stop();
    }
  });

  it('with the default limits a user name gets 10 login attempts a minute, right password or not; health stays open', async () => {
    const replies: Reply[] = [];
    for (let i = 0; i < 12; i++) replies.push(await loginAs(plain, 'analyst', 'Demo@2026'));
    expect(replies.map((r) => r.status)).toEqual([...Array(10).fill(200), 429, 429]);
    expect(replies[11].body.error.message).toMatch(/请求过于频繁/);
    // Another name from the same address is not affected; a name in other letter case is the same name.
    expect(await typed(plain.baseUrl).login({ username: 'rm', password: 'Demo@2026' })).toMatchObject({ user: { username: 'rm' } });
    const limited = await refused(typed(plain.baseUrl).login({ username: ' ANALYST', password: 'Demo@2026' }));
    expect([limited.status, limited.code]).toEqual([429, 'auth.rate_limited']);
    expect(await typed(plain.baseUrl).health()).toMatchObject({ status: 'ok' });
  });

  it('with the default limits, 200 parallel logins with the right password last: no token, 429 with Retry-After in Chinese', async () => {
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => loginAs(plain, 'compliance', i === 199 ? 'Demo@2026' : `Wrong#${i}-pass`)));
    const counts = tally(replies);
    expect(replies.some((r) => r.status === 200 || r.body?.accessToken)).toBe(false);
    expect(counts[429]).toBeGreaterThanOrEqual(190);
    expect((counts[401] ?? 0) + (counts[423] ?? 0) + counts[429]).toBe(200);
    const limited = replies.find((r) => r.status === 429)!;
    expect(limited.body).toEqual({ error: { code: 'auth.rate_limited', message: expect.stringMatching(/^请求过于频繁，请 \d+ 秒后再试$/) } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
