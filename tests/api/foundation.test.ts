/** Foundation: health, configuration errors, login and lockout, tokens, API keys, error format, restarts. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { SERVER_MAIN, startServer, TEST_DATA_KEY, TEST_SECRET, type TestServer } from '../harness/server.js';
import { call, login, postLarge, refused, typed } from '../harness/http.js';
import { english, errorBody } from '../harness/answers.js';
import { withClient } from '../harness/db.js';

/** An HS256 token signed with the test server's secret (TEST_SECRET), for claims the server never issues now. */
function signTestToken(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${body}.${createHmac('sha256', TEST_SECRET).update(body).digest('base64url')}`;
}

describe('configuration errors stop the process with one line naming the variable', () => {
  const cases: [string, Record<string, string>][] = [
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://u:p@h/db' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['CRM_DEMO', { CRM_DEMO: 'maybe' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['CRM_SECRET', { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db', CRM_DATA_KEY: TEST_DATA_KEY }],
    ['CRM_SECRET', { CRM_SECRET: 'short' }],
    ['CRM_DATA_KEY', { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db', CRM_SECRET: TEST_SECRET }],
    ['CRM_DATA_KEY', { CRM_DATA_KEY: 'xyz' }],
    ['CRM_ADMIN_PASSWORD', { CRM_ADMIN_PASSWORD: 'weak' }],
    ['CRM_CRYPTO', { CRM_CRYPTO: 'des' }],
    ['CRM_TOKEN_TTL', { CRM_TOKEN_TTL: '0' }],
    ['CRM_FEEL_MAX_ITERATIONS', { CRM_FEEL_MAX_ITERATIONS: '10' }],
    ['CRM_FEEL_MAX_MS', { CRM_FEEL_MAX_MS: 'fast' }],
    ['CRM_LOGIN_RATE_USER', { CRM_LOGIN_RATE_USER: 'ten' }],
    ['CRM_RATE_LIMIT_IP', { CRM_RATE_LIMIT_IP: '-1' }],
    ['CRM_TRUST_PROXY', { CRM_TRUST_PROXY: 'proxy.example' }],
  ];
  it.each(cases)('%s %j', (variable, env) => {
    const res = spawnSync(process.execPath, [SERVER_MAIN], {
      env: { PATH: process.env.PATH, CRM_DATA_DIR: '/nonexistent-never-created', ...env },
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(res.status).not.toBe(0);
    expect(res.status).not.toBeNull();
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
    expect(res.stdout).toBe('');
  });
});

describe('a running server', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startServer({ env: { CRM_TOKEN_TTL: '5' } });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('answers health without a token', async () => {
    // Raw: the request id header is checked too.
    const r = await call(srv.baseUrl, 'GET', '/api/health');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ok', db: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/), schemaVersion: expect.stringMatching(/^[A-Za-z]+\d{13}$/) });
    expect(r.headers.get('x-request-id')).toBeTruthy();
  });

  it('serves a page at / and Prometheus metrics', async () => {
    const page = await fetch(srv.baseUrl + '/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('银行客户管理平台');
    expect(await typed(srv.baseUrl).health()).toMatchObject({ status: 'ok' });
    const m = await fetch(srv.baseUrl + '/metrics');
    const text = await m.text();
    expect(m.status).toBe(200);
    expect(text).toMatch(/crm_http_requests_total\{method="GET",route="\/api\/health",status="200"\} \d+/);
    expect(text).toContain('crm_http_request_duration_seconds_bucket');
    expect(text).toMatch(/crm_db_pool_total \d+/);
  });

  it('logs in a demo user and answers /me', async () => {
    const r = await typed(srv.baseUrl).login({ username: 'admin', password: 'Demo@2026' });
    expect(r.user).toEqual({ id: expect.any(String), username: 'admin', roles: ['admin'] });
    const me = await typed(srv.baseUrl, r.accessToken).me();
    expect(me).toMatchObject({ username: 'admin', roles: ['admin'], orgUnit: { name: '信息科技部' } });
    expect(JSON.stringify(me)).not.toContain('password');
  });

  it('answers a wrong password and an unknown user the same way, in comparable time', async () => {
    const timed = async (username: string) => {
      const t0 = performance.now();
      const r = await refused(typed(srv.baseUrl).login({ username, password: 'nope' }));
      return { r, ms: performance.now() - t0 };
    };
    // Interleaved samples, compared by their medians: one sample each is at the mercy of whatever else the machine runs.
    const known: number[] = [];
    const unknownMs: number[] = [];
    let bad, unknown;
    for (let i = 0; i < 3; i++) {
      const k = await timed('analyst');
      const u = await timed(i === 0 ? 'nobody' : `nobody${i}`);
      [bad, unknown] = [k.r, u.r];
      known.push(k.ms);
      unknownMs.push(u.ms);
    }
    expect(bad!.status).toBe(401);
    expect(unknown!.status).toBe(401);
    expect(errorBody(unknown!)).toEqual(errorBody(bad!));
    expect(errorBody(bad!).error).toEqual({ code: 'auth.invalid_credentials', message: '用户名或密码错误' });
    // Both paths verify one argon2 hash; neither is an order of magnitude faster.
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[1]!;
    const [a, b] = [median(known), median(unknownMs)];
    expect(Math.max(a, b) / Math.min(a, b)).toBeLessThan(5);
  });

  it('locks an account for 15 minutes after 5 failed attempts, even for the right password', async () => {
    const anonymous = typed(srv.baseUrl);
    for (let i = 1; i <= 4; i++) {
      const r = await refused(anonymous.login({ username: 'manager', password: 'wrong' }));
      expect(r.status).toBe(401);
    }
    const fifth = await refused(anonymous.login({ username: 'manager', password: 'wrong' }));
    expect(fifth.status).toBe(423);
    const right = await refused(english(srv.baseUrl).login({ username: 'manager', password: 'Demo@2026' }));
    expect(right.status).toBe(423);
    expect(right.code).toBe('auth.locked');
    expect(right.message).toMatch(/locked; try again in 1[45] minutes/);
    // Unknown names lock the same way, so lockout reveals nothing.
    for (let i = 0; i < 5; i++) await refused(anonymous.login({ username: 'ghost', password: 'x' }));
    const ghost = await refused(anonymous.login({ username: 'ghost', password: 'x' }));
    expect(ghost.status).toBe(423);
    // Once the lock has lapsed the right password works again.
    await withClient(srv.dbUrl, (c) => c.query(`UPDATE crm.login_attempts SET locked_until = now() - interval '1 second' WHERE username = 'manager'`));
    const after = await anonymous.login({ username: 'manager', password: 'Demo@2026' });
    expect(after.user).toMatchObject({ username: 'manager' });
  });

  it('rejects bad login bodies with field details', async () => {
    // Raw: a wrongly typed body on purpose.
    const r = await call(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 42 } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('common.validation_failed');
    expect(r.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['/password', '/username']);
  });

  it('requires a token on every other route, and refuses forged or expired ones', async () => {
    const none = await refused(typed(srv.baseUrl).me());
    expect(none.status).toBe(401);
    expect(none.code).toBe('auth.unauthenticated');
    const forged = await refused(typed(srv.baseUrl, 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.abc').me());
    expect(forged.status).toBe(401);
    expect(forged.code).toBe('auth.invalid_token');
    const token = await login(srv.baseUrl, 'rm');
    const me = await typed(srv.baseUrl, token).me();
    expect(me.username).toBe('rm');
    // CRM_TOKEN_TTL=5: the token says so. (Expiry over time, with an injected clock: auth/tokens.test.ts.)
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(5);
    // The server refuses a token signed with its own key once the token's time is up — no waiting:
    // the same claims are accepted while still valid, so only the expiry differs.
    const now = Math.floor(Date.now() / 1000);
    const signed = (iat: number, exp: number) => signTestToken({ ...claims, iat, exp });
    expect(await typed(srv.baseUrl, signed(now - 1, now + 60)).me()).toMatchObject({ id: claims.sub, username: 'rm' });
    const expired = await refused(typed(srv.baseUrl, signed(now - 65, now - 60)).me());
    expect(expired.status).toBe(401);
    expect(expired.code).toBe('auth.invalid_token');
    expect(me.id).toBe(claims.sub);
  });

  it('issues API keys shown once, stored hashed, and revocable', async () => {
    const api = typed(srv.baseUrl, await login(srv.baseUrl, 'analyst'));
    const created = await api.createApiKey({ name: '核心系统对接' });
    expect(created).toMatchObject({ name: '核心系统对接', expiresAt: null });
    const key = created.key;
    expect(key).toMatch(/^crmk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/);
    // The secret is base64url and may itself contain '_': take it by position, not by split.
    const secret = key.slice('crmk_'.length + 33);
    expect(secret).toHaveLength(43);
    const listed = await api.listApiKeys();
    expect(listed).toEqual([expect.objectContaining({ id: created.id, name: '核心系统对接' })]);
    expect(JSON.stringify(listed)).not.toContain(secret);
    const stored = await withClient(srv.dbUrl, (c) => c.query('SELECT secret_hash FROM crm.api_keys WHERE id = $1', [created.id]));
    expect(stored.rows[0].secret_hash).not.toContain(secret);
    const me = await typed(srv.baseUrl, key).me();
    expect(me.username).toBe('analyst');
    const wrong = await refused(typed(srv.baseUrl, key.slice(0, -2) + 'xx').me());
    expect(wrong.status).toBe(401);
    expect(await api.revokeApiKey(created.id)).toBeUndefined(); // 204, no body
    expect((await refused(typed(srv.baseUrl, key).me())).status).toBe(401);
    expect((await refused(api.revokeApiKey(created.id))).status).toBe(404);
  });

  it('answers unknown routes, malformed JSON and huge bodies in the error format, in the caller language', async () => {
    const token = await login(srv.baseUrl, 'admin');
    // Raw: an undocumented route, then a malformed body, on purpose.
    const nf = await call(srv.baseUrl, 'GET', '/api/does-not-exist', { token, headers: { 'accept-language': 'en' } });
    expect(nf.status).toBe(404);
    expect(nf.body).toEqual({ error: { code: 'common.route_not_found', message: 'No such route: GET /api/does-not-exist' } });
    const bad = await call(srv.baseUrl, 'POST', '/api/auth/login', { rawBody: '{"username": "admin", ' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual({ code: 'common.invalid_json', message: '请求体不是有效的 JSON' });
    expect(await postLarge(srv.baseUrl, '/api/auth/login', 10 * 1024 * 1024)).toBe(413);
  });

  it('writes login successes and failures to the audit trail', async () => {
    const rows = await withClient(srv.dbUrl, (c) => c.query(`SELECT actor_name, outcome FROM crm.audit_log WHERE action = 'auth.login'`));
    const outcomes = new Set(rows.rows.map((r) => `${r.actor_name}:${r.outcome}`));
    expect(outcomes.has('admin:success')).toBe(true);
    expect(outcomes.has('nobody:failure')).toBe(true);
    expect(outcomes.has('manager:denied')).toBe(true);
  });

  it('answers 503 with db "down" when the database is gone, and recovers', async () => {
    const dbName = new URL(srv.dbUrl).pathname.slice(1);
    const admin = new URL(srv.dbUrl);
    admin.pathname = '/postgres';
    await withClient(admin.toString(), async (c) => {
      await c.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS false`);
      await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [dbName]);
    });
    try {
      // Raw: the 503 answer is the health document, not the error format.
      const r = await call(srv.baseUrl, 'GET', '/api/health');
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ status: 'error', db: 'down' });
    } finally {
      await withClient(admin.toString(), (c) => c.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS true`));
    }
    expect(await typed(srv.baseUrl).health()).toMatchObject({ status: 'ok', db: 'ok' });
  });
});

describe('restarts', () => {
  it('runs migrations once and keeps users across restarts on an external database', async () => {
    const first = await startServer();
    const token = await login(first.baseUrl, 'admin');
    expect(token).toBeTruthy();
    await first.stop({ keepDatabase: true });
    const second = await startServer({ dbUrl: first.dbUrl });
    try {
      const migrations = await withClient(first.dbUrl, (c) => c.query('SELECT name FROM crm.migrations'));
      const names = migrations.rows.map((r) => r.name);
      expect(new Set(names).size).toBe(names.length);
      const users = await withClient(first.dbUrl, (c) => c.query('SELECT count(*)::int AS n FROM crm.users'));
      expect(users.rows[0].n).toBe(7);
      expect(await login(second.baseUrl, 'admin')).toBeTruthy();
    } finally {
      await second.stop();
    }
  });

  it('embedded mode keeps every row across a restart and recovers from a killed run', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dataDir = mkdtempSync(`${tmpdir()}/crm-embedded-`);
    const first = await startServer({ embedded: true, dataDir, timeoutMs: 90000 });
    try {
      const key = await typed(first.baseUrl, await login(first.baseUrl, 'analyst')).createApiKey({ name: 'kept-across-restart' });
      expect(key).toMatchObject({ name: 'kept-across-restart' });
      await first.stop({ keepDatabase: true });
      // Second run, killed with SIGKILL: PostgreSQL is left running with its lock file.
      const second = await startServer({ embedded: true, dataDir, timeoutMs: 90000 });
      expect(await typed(second.baseUrl, key.key).me()).toMatchObject({ username: 'analyst' });
      await second.kill('SIGKILL');
      const third = await startServer({ embedded: true, dataDir, timeoutMs: 90000 });
      try {
        const me = await typed(third.baseUrl, key.key).me();
        expect(me.username).toBe('analyst');
      } finally {
        await third.stop({ keepDatabase: true });
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
