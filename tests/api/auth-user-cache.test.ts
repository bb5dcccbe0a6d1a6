/**
 * Each server process caches who is calling, so the cache must never outlive a change: a user
 * disabled through one process — or by SQL straight in the database — is refused by every process
 * within moments, through the crm_user_changed notification.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { call, login, typed } from '../harness/http.js';
import { applied, outcomeOf } from '../harness/answers.js';
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

/** Milliseconds until `fn` ends as `outcome` ('ok', or an error status; throws after 3 s). */
async function msUntil(fn: () => Promise<'ok' | number>, outcome: 'ok' | number): Promise<number> {
  const t0 = Date.now();
  await until(async () => (await fn()) === outcome, { ms: 3000, everyMs: 20, what: `outcome ${outcome}` });
  return Date.now() - t0;
}

describe('user cache across server processes', () => {
  it('a user disabled on one process is refused on the other at once', async () => {
    const token = await login(a.baseUrl, 'rm');
    const onB = () => outcomeOf(typed(b.baseUrl, token).me());
    // Warm process B's cache with rm.
    for (let i = 0; i < 3; i++) expect(await onB()).toBe('ok');
    const admin = typed(a.baseUrl, await login(a.baseUrl, 'admin')).admin;
    const rmId = (await typed(a.baseUrl, token).me()).id;
    expect(applied(await admin.updateUser(rmId, { disabled: true }))).toMatchObject({ id: rmId, disabled: true });
    // Process A made the change: refused on the very next request.
    expect(await outcomeOf(typed(a.baseUrl, token).me())).toBe(401);
    const waited = await msUntil(onB, 401);
    expect(waited).toBeGreaterThanOrEqual(0);
    expect(waited).toBeLessThan(1000);
    expect(applied(await admin.updateUser(rmId, { disabled: false }))).toMatchObject({ id: rmId, disabled: false });
    expect(await msUntil(onB, 'ok')).toBeGreaterThanOrEqual(0);
  });

  it('a change made by SQL in the database reaches every process too', async () => {
    const token = await login(b.baseUrl, 'manager');
    const onA = () => outcomeOf(typed(a.baseUrl, token).me());
    const onB = () => outcomeOf(typed(b.baseUrl, token).me());
    expect(await onA()).toBe('ok');
    expect(await onB()).toBe('ok');
    await withClient(a.dbUrl, (c) => c.query(`UPDATE crm.users SET disabled = true WHERE username = 'manager'`));
    for (const f of [onA, onB]) {
      const waited = await msUntil(f, 401);
      expect(waited).toBeGreaterThanOrEqual(0);
      expect(waited).toBeLessThan(1000);
    }
  });

  it('roles changed by an administrator apply to the next request', async () => {
    const analyst = typed(b.baseUrl, await login(b.baseUrl, 'analyst'));
    expect(await analyst.meta.listObjects()).toEqual(expect.any(Array));
    const token = await login(b.baseUrl, 'analyst');
    // Raw: an empty body on purpose, so that only the guard decides between 400 and 403.
    const designer = () => call(b.baseUrl, 'POST', '/api/meta/objects', { token, body: {} }).then((r) => r.status);
    expect(await designer()).toBe(400); // a designer: past the guard, the empty body is refused
    const admin = typed(a.baseUrl, await login(a.baseUrl, 'admin')).admin;
    const id = (await typed(b.baseUrl, token).me()).id;
    expect(applied(await admin.updateUser(id, { roles: ['rm'] }))).toMatchObject({ id, roles: ['rm'] });
    const waited = await msUntil(designer, 403);
    expect(waited).toBeGreaterThanOrEqual(0);
    expect(waited).toBeLessThan(1000);
  });
});
