/**
 * Security headers: the strict Content-Security-Policy and helmet's other headers on the web app,
 * the API, the API docs and early answers (429, 404); the form validators the browser imports from
 * the server instead of compiling them (`script-src 'self'` without 'unsafe-eval' or `blob:`).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as, call, type Reply } from '../harness/http.js';
import { CUSTOMER_FIELDS } from './access-setup.js';

const CSP = "default-src 'self';script-src 'self';script-src-attr 'none';style-src 'self' 'unsafe-inline';img-src 'self' data: blob:;font-src 'self' data:;connect-src 'self';worker-src 'self';object-src 'none';base-uri 'self';frame-ancestors 'none';form-action 'self'";

function expectSecurityHeaders(r: Reply, what: string): void {
  const h = (name: string) => [what, name, r.headers.get(name)];
  expect(h('content-security-policy')).toEqual([what, 'content-security-policy', CSP]);
  expect(h('x-content-type-options')).toEqual([what, 'x-content-type-options', 'nosniff']);
  expect(h('x-frame-options')).toEqual([what, 'x-frame-options', 'DENY']);
  expect(h('referrer-policy')).toEqual([what, 'referrer-policy', 'no-referrer']);
  expect(h('strict-transport-security')).toEqual([what, 'strict-transport-security', 'max-age=31536000; includeSubDomains']);
  expect(h('cross-origin-opener-policy')).toEqual([what, 'cross-origin-opener-policy', 'same-origin']);
}

describe('security headers and server-compiled form validators', () => {
  let srv: TestServer;
  let analyst: Awaited<ReturnType<typeof as>>;
  let rm: Awaited<ReturnType<typeof as>>;
  beforeAll(async () => {
    srv = await startServer({ env: { CRM_LOGIN_RATE_USER: '3' } });
    [analyst, rm] = await Promise.all([as(srv.baseUrl, 'analyst'), as(srv.baseUrl, 'rm')]);
    expect((await analyst.post('/api/meta/objects', { key: 'client', label: { 'zh-CN': '客户', en: 'Customer' }, fields: CUSTOMER_FIELDS })).status).toBe(201);
    await analyst.api.meta.createForm({ key: 'client_form', object: 'client', title: '客户登记', layout: [{ field: 'name' }, { field: 'mobile' }, { field: 'note' }] });
    expect(await analyst.api.meta.publishForm('client_form')).toEqual({ version: 1 });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('every kind of answer carries the strict policy: SPA page, deep link, asset, API, API error, docs and their script', async () => {
    const page = await call(srv.baseUrl, 'GET', '/');
    expect([page.status, page.headers.get('content-type')]).toEqual([200, expect.stringContaining('text/html')]);
    expectSecurityHeaders(page, 'SPA page');
    // The page itself has no inline script to refuse: only module scripts by URL.
    const html = String(page.body);
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/[^"]+\.js"><\/script>/);
    expect(html.match(/<script(?![^>]*\bsrc=)[^>]*>/g)).toBeNull();
    expectSecurityHeaders(await call(srv.baseUrl, 'GET', '/records/client'), 'deep link');
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    expectSecurityHeaders(await call(srv.baseUrl, 'GET', asset), 'asset');
    expectSecurityHeaders(await call(srv.baseUrl, 'GET', '/api/health'), 'API');
    const anonymous = await call(srv.baseUrl, 'GET', '/api/auth/me');
    expect(anonymous.status).toBe(401);
    expectSecurityHeaders(anonymous, 'API 401');
    expectSecurityHeaders(await call(srv.baseUrl, 'GET', '/api/no/such/route'), 'API 404');
    const docs = await call(srv.baseUrl, 'GET', '/api/docs');
    expect(docs.status).toBe(200);
    expectSecurityHeaders(docs, 'docs');
    expect(String(docs.body)).not.toMatch(/<script>/);
    expectSecurityHeaders(await call(srv.baseUrl, 'GET', '/api/docs/init.js'), 'docs script');
  });

  it('a login flood gets 429 with Retry-After and a Chinese message, headers included; another user is not affected', async () => {
    const replies: Reply[] = [];
    for (let i = 0; i < 4; i++) replies.push(await call(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'auditor', password: 'Wrong#pass1' } }));
    expect(replies.map((r) => r.status)).toEqual([401, 401, 401, 429]);
    const limited = replies[3]!;
    expect(limited.body).toEqual({ error: { code: 'auth.rate_limited', message: expect.stringMatching(/^请求过于频繁，请 \d+ 秒后再试$/) } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expectSecurityHeaders(limited, '429');
    expect((await call(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: 'compliance', password: 'Demo@2026' } })).status).toBe(200);
  });

  it("a published version's validator module: authenticated, cached by version, 404 for an unknown version or form", async () => {
    const js = await rm.get('/api/meta/forms/client_form/versions/1/validator.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(String(js.body)).toMatch(/export default/);
    expectSecurityHeaders(js, 'validator module');
    expect((await call(srv.baseUrl, 'GET', '/api/meta/forms/client_form/versions/1/validator.js')).status).toBe(401);
    const unknown = await rm.get('/api/meta/forms/client_form/versions/2/validator.js');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'meta.form_version_not_found']);
    expect((await rm.get('/api/meta/forms/no_such_form/versions/1/validator.js')).status).toBe(404);
  });

  it('the server compiles a form for the browser: one content-addressed module, no import, no eval, same module for the same form', async () => {
    const v = await rm.api.meta.getFormVersion('client_form', 1);
    const form = { key: v.key, object: v.object, title: v.title, layout: v.layout, version: v.version };
    const first = await rm.api.forms.validator(v.fields, form);
    expect(first.url).toMatch(/^\/api\/forms\/validators\/[0-9a-f]{64}\.js$/);
    expect(await analyst.api.forms.validator(v.fields, form)).toEqual(first);
    // The address is the definition's hash: fetched without a token (a module import sends none).
    const mod = await call(srv.baseUrl, 'GET', first.url);
    expect([mod.status, mod.headers.get('content-type'), mod.headers.get('cache-control')]).toEqual([200, 'text/javascript; charset=utf-8', 'private, max-age=31536000, immutable']);
    const code = String(mod.body);
    expect(code.startsWith('const __crmFormEngine = globalThis["__crmFormEngineRuntime"];\n')).toBe(true);
    expect(code).toMatch(/export default/);
    expect(code).not.toMatch(/\bimport\b|\brequire\(|new Function|\beval\(/);
    // Another definition, another module.
    const other = await rm.api.forms.validator(v.fields, { ...form, layout: [{ field: 'name' }] });
    expect(other.url).not.toBe(first.url);
  });

  it("a module compiled through one server process is served by another on the same database (several workers behind one port)", async () => {
    const v = await rm.api.meta.getFormVersion('client_form', 1);
    const { url } = await rm.api.forms.validator(v.fields, { key: v.key, object: v.object, title: '另一个进程', layout: v.layout, version: v.version });
    const other = await startServer({ dbUrl: srv.dbUrl });
    try {
      const mod = await call(other.baseUrl, 'GET', url);
      expect(mod.status).toBe(200);
      expect(String(mod.body)).toBe(String((await call(srv.baseUrl, 'GET', url)).body));
      expect((await call(other.baseUrl, 'GET', `/api/forms/validators/${'0'.repeat(64)}.js`)).status).toBe(404);
    } finally {
      await other.stop({ keepDatabase: true });
    }
  });

  it('compiling refuses the anonymous, bad bodies and wrong definitions (400 with the problems in Chinese); unknown modules are 404', async () => {
    const v = await rm.api.meta.getFormVersion('client_form', 1);
    expect((await call(srv.baseUrl, 'POST', '/api/forms/validators', { body: { fields: v.fields, form: { object: 'client', key: 'x', title: 't', layout: [] } } })).status).toBe(401);
    const notArray = await rm.post('/api/forms/validators', { fields: 'name', form: { object: 'client' } });
    expect([notArray.status, notArray.body.error.code]).toEqual([400, 'common.validation_failed']);
    const extra = await rm.post('/api/forms/validators', { fields: [], form: { object: 'client' }, code: 'alert(1)' });
    expect(extra.status).toBe(400);
    // A layout naming a field the form does not have, and a field of an unknown type.
    const wrong = await rm.post('/api/forms/validators', { fields: v.fields, form: { key: 'x', object: 'client', title: 't', layout: [{ field: 'no_such_field' }] } });
    expect([wrong.status, wrong.body.error.code]).toEqual([400, 'meta.invalid_form']);
    expect(wrong.body.error.details[0]).toMatchObject({ path: expect.stringContaining('/layout/0'), message: expect.stringMatching(/[\u4e00-\u9fff]/) });
    const badField = await rm.post('/api/forms/validators', { fields: [{ key: 'x', label: 'X', type: 'script"); alert(1); ("' }], form: { key: 'x', object: 'client', title: 't', layout: [{ field: 'x' }] } });
    expect([badField.status, badField.body.error.code]).toEqual([400, 'meta.invalid_form']);
    expect(badField.body.error.details[0].path).toMatch(/^\/fields\/0/);
    for (const file of ['0'.repeat(64) + '.js', '..%2F..%2Fpackage.json', 'abc.js']) {
      const r = await call(srv.baseUrl, 'GET', `/api/forms/validators/${file}`);
      expect([file, r.status, r.body?.error?.code]).toEqual([file, 404, file === 'abc.js' || file.startsWith('0') ? 'meta.validator_module_not_found' : expect.any(String)]);
    }
  });
});
