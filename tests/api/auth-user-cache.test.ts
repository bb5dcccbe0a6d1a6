/**
 * Each server process caches who is calling, so the cache must never outlive a change: a user
 * disabled through one process — or by SQL straight in the database — is refused by every process
 * within moments, through the crm_user_changed notification.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as, call, login } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';

let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  a = await startServer();
  b = await startServer({ dbUrl: a.dbUrl });
});
afterAll(async () => {
  await b?.stop({ keepDatabase: true });
  await a?.stop();
});

/** Milliseconds until `fn` answers `status` (throws after 3 s). */
async function msUntil(fn: () => Promise<number>, status: number): Promise<number> {
  const t0 = Date.now();
  await until(async () => (await fn()) === status, { ms: 3000, everyMs: 20, what: `HTTP ${status}` });
  return Date.now() - t0;
}

describe('user cache across server processes', () => {
  it('a user disabled on one process is refused on the other at once', async () => {
    const token = await login(a.baseUrl, 'rm');
    const onB = () => call(b.baseUrl, 'GET', '/api/auth/me', { token }).then((r) => r.status);
    // Warm process B's cache with rm.
    for (let i = 0; i < 3; i++) expect(await onB()).toBe(200);
    const admin = await as(a.baseUrl, 'admin');
    const rmId = (await call(a.baseUrl, 'GET', '/api/auth/me', { token })).body.id;
    expect((await admin.patch(`/api/admin/users/${rmId}`, { disabled: true })).status).toBe(200);
    // Process A made the change: refused on the very next request.
    expect((await call(a.baseUrl, 'GET', '/api/auth/me', { token })).status).toBe(401);
    const waited = await msUntil(onB, 401);
    expect(waited).toBeGreaterThanOrEqual(0);
    expect(waited).toBeLessThan(1000);
    expect((await admin.patch(`/api/admin/users/${rmId}`, { disabled: false })).status).toBe(200);
    expect(await msUntil(onB, 200)).toBeGreaterThanOrEqual(0);
  });

  it('a change made by SQL in the database reaches every process too', async () => {
    const token = await login(b.baseUrl, 'manager');
    const onA = () => call(a.baseUrl, 'GET', '/api/auth/me', { token }).then((r) => r.status);
    const onB = () => call(b.baseUrl, 'GET', '/api/auth/me', { token }).then((r) => r.status);
    expect(await onA()).toBe(200);
    expect(await onB()).toBe(200);
    await withClient(a.dbUrl, (c) => c.query(`UPDATE crm.users SET disabled = true WHERE username = 'manager'`));
    for (const f of [onA, onB]) {
      const waited = await msUntil(f, 401);
      expect(waited).toBeGreaterThanOrEqual(0);
      expect(waited).toBeLessThan(1000);
    }
  });

  it('roles changed by an administrator apply to the next request', async () => {
    const analyst = await as(b.baseUrl, 'analyst');
    expect((await analyst.get('/api/meta/objects')).status).toBe(200);
    const token = await login(b.baseUrl, 'analyst');
    const designer = () => call(b.baseUrl, 'POST', '/api/meta/objects', { token, body: {} }).then((r) => r.status);
    expect(await designer()).toBe(400); // a designer: past the guard, the empty body is refused
    const admin = await as(a.baseUrl, 'admin');
    const id = (await call(b.baseUrl, 'GET', '/api/auth/me', { token })).body.id;
    expect((await admin.patch(`/api/admin/users/${id}`, { roles: ['rm'] })).status).toBe(200);
    const waited = await msUntil(designer, 403);
    expect(waited).toBeGreaterThanOrEqual(0);
    expect(waited).toBeLessThan(1000);
  });
});
