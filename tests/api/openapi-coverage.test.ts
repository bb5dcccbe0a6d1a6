/**
 * The OpenAPI document lists every /api route the server registered, described from the shared zod
 * schemas: no registered route is undocumented (a new controller route without a description fails
 * here), the routes the old hand-kept list missed are present, a documented limit is the one the
 * server enforces, and real answers parse with the response schemas the document shows.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AuditVerifySchema, createClient, DeployResponseSchema, isApiError, itemsOfSchema, LoginResponseSchema, ObjectSchema, PLATFORM_RIGHTS,
  ProcessInstanceSchema, RecordPageSchema, RecordSchema, RoleSchema, TaskSchema, type ApiClient,
} from '@crm/shared';
import { client } from '../harness/http.js';
import { chain } from './workflow-bpmn.js';
import { startServer, type TestServer } from '../harness/server.js';

interface Operation { summary: string; tags: string[]; 'x-undocumented'?: boolean; 'x-no-json-body'?: boolean; 'x-required-right'?: string; responses: Record<string, { content?: { 'application/json': { schema: Record<string, any> } } }>; requestBody?: { content: { 'application/json': { schema: Record<string, any> } } }; parameters?: { name: string; in: string }[] }
interface Doc { paths: Record<string, Record<string, Operation>> }

describe('OpenAPI document covers the registered routes', () => {
  let srv: TestServer;
  const as = async (username: string): Promise<ApiClient> => {
    const { accessToken } = await createClient({ baseUrl: srv.baseUrl }).login({ username, password: 'Demo@2026' });
    return createClient({ baseUrl: srv.baseUrl, getToken: () => accessToken });
  };
  const docOf = async (c: ApiClient) => (await c.openapi()) as unknown as Doc;
  /** The status an operation lists its success under (the first 2xx or 3xx; a four-eyes 202 comes after it). */
  const success = (op: Operation) => Object.keys(op.responses).find((s) => /^[23]\d\d$/.test(s)) ?? '';
  const operations = (d: Doc) => Object.entries(d.paths).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => ({ route: `${m.toUpperCase()} ${path}`, op })));

  beforeAll(async () => {
    srv = await startServer();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('documents every registered route: none is listed as undocumented, for any caller', async () => {
    const callers = [createClient({ baseUrl: srv.baseUrl }), ...(await Promise.all(['admin', 'security', 'analyst', 'auditor'].map(as)))];
    const seen = new Set<string>();
    for (const c of callers) {
      const ops = operations(await docOf(c));
      expect(ops.filter((o) => o.op['x-undocumented']).map((o) => o.route)).toEqual([]);
      for (const o of ops) seen.add(o.route);
    }
    // Routes the hand-kept list used to miss.
    for (const route of [
      'POST /api/process-triggers', 'GET /api/process-triggers', 'DELETE /api/process-triggers/{id}',
      'PUT /api/process-instances/{id}/variables', 'GET /api/tasks/{id}', 'GET /api/meta/forms/{key}/published',
      'GET /api/records/{object}/export', 'GET /api/records/{object}', 'POST /api/records/{object}/query',
    ]) expect([route, seen.has(route)]).toEqual([route, true]);
    // Static file routes are not operations.
    expect([...seen].filter((r) => r.includes('*') || r.includes('/api/docs/assets'))).toEqual([]);
  });

  it('names the answer schema of every documented route; only routes that send no JSON go without', async () => {
    const callers = [createClient({ baseUrl: srv.baseUrl }), ...(await Promise.all(['admin', 'security', 'analyst', 'auditor'].map(as)))];
    const noJson = new Set<string>();
    for (const c of callers) {
      const doc = await docOf(c);
      for (const { route, op } of operations(doc)) {
        // Per-object routes are generated from metadata with their own record schemas.
        if (op.tags[0]?.startsWith('object:')) continue;
        const schema = op.responses[success(op)]?.content?.['application/json']?.schema;
        if (op['x-no-json-body']) noJson.add(route);
        else expect([route, typeof schema === 'object' && schema !== null && Object.keys(schema).length > 0]).toEqual([route, true]);
      }
    }
    // The routes without a JSON answer: no content, redirects, files, scripts, XML, event streams. A JSON route marked so fails.
    expect([...noJson].sort()).toEqual([
      'DELETE /api/admin/api-keys/{id}', 'DELETE /api/auth/api-keys/{id}', 'DELETE /api/connectors/{key}', 'DELETE /api/dashboards/{key}', 'DELETE /api/marketing/do-not-disturb/{customerId}', 'DELETE /api/meta/objects/{object}', 'DELETE /api/meta/objects/{object}/fields/{field}', 'DELETE /api/models/{key}',
      'DELETE /api/process-triggers/{id}', 'DELETE /api/records/{object}/{id}', 'DELETE /api/reports/{key}', 'DELETE /api/views/{id}', 'GET /api/auth/oidc/callback', 'GET /api/auth/oidc/login', 'GET /api/docs', 'GET /api/docs/init.js',
      'GET /api/files/{id}', 'GET /api/forms/validators/{file}', 'GET /api/imports/{id}/rejected.csv', 'GET /api/meta/forms/{key}/versions/{version}/validator.js', 'GET /api/notifications/stream', 'GET /api/process-definitions/{key}/xml', 'GET /api/records/{object}/export',
      'GET /api/reports/{key}/export', 'POST /api/auth/logout', 'POST /api/marketing/do-not-disturb',
    ]);
    // An answer schema is the contract's strict one: the task list's items admit no property the contract does not name.
    const admin = await docOf(await as('admin'));
    const tasks = admin.paths['/api/tasks'].get.responses['200'].content!['application/json'].schema;
    expect(tasks.properties.items.items.additionalProperties).toBe(false);
    expect(tasks.properties.items.items.required).toEqual(expect.arrayContaining(['id', 'processInstanceId', 'candidateGroups', 'dueAt', 'formKey']));
  });

  it('hides routes whose platform right the caller lacks, and names the right it needs', async () => {
    const anon = await docOf(createClient({ baseUrl: srv.baseUrl }));
    expect(anon.paths['/api/process-triggers']).toBeUndefined();
    expect(anon.paths['/api/auth/login'].post['x-required-right']).toBeUndefined();
    const analyst = await docOf(await as('analyst'));
    expect(analyst.paths['/api/process-triggers'].post['x-required-right']).toBe('designer');
    const rights = new Set(operations(analyst).map((o) => o.op['x-required-right']).filter(Boolean));
    for (const r of rights) expect(PLATFORM_RIGHTS).toContain(r);
  });

  it('describes bodies and queries with the schemas the server validates with', async () => {
    const doc = await docOf(createClient({ baseUrl: srv.baseUrl }));
    const login = doc.paths['/api/auth/login'].post.requestBody!.content['application/json'].schema;
    expect(login.required).toEqual(['username', 'password']);
    expect(login.properties.username.maxLength).toBe(64);
    // The documented limit is the enforced one: one character more is a 400 naming the field.
    const anon = createClient({ baseUrl: srv.baseUrl });
    const tooLong = await anon.login({ username: 'x'.repeat(65), password: 'Demo@2026' }).catch((e: unknown) => e);
    expect(isApiError(tooLong) && tooLong.status).toBe(400);
    expect(isApiError(tooLong) && tooLong.fieldErrors.map((d) => d.path)).toEqual(['/username']);

    const analyst = await docOf(await as('analyst'));
    const trigger = analyst.paths['/api/process-triggers'].post.requestBody!.content['application/json'].schema;
    expect(trigger.anyOf).toHaveLength(2);
    const admin = await docOf(await as('admin'));
    const instances = admin.paths['/api/process-instances'].get.parameters!.map((p) => `${p.in}:${p.name}`);
    expect(instances).toEqual(expect.arrayContaining(['query:state', 'query:definitionKey', 'query:limit']));
    const users = admin.paths['/api/admin/users'].post.requestBody!.content['application/json'].schema;
    expect(users.additionalProperties).toBe(false);
    expect(users.properties.roles.maxItems).toBe(50);
  });

  it('lists each success under the status the route really answers with', async () => {
    const login = await client(srv.baseUrl).post('/api/auth/login', { username: 'analyst', password: 'Demo@2026' });
    const analyst = client(srv.baseUrl, login.body.accessToken);
    const security = client(srv.baseUrl, (await client(srv.baseUrl).post('/api/auth/login', { username: 'security', password: 'Demo@2026' })).body.accessToken);
    // Each caller's document lists the routes whose right it holds: the designer's and the security administrator's together.
    const docs = await Promise.all(['analyst', 'security'].map(async (u) => docOf(await as(u))));
    const documented = (method: string, path: string) => {
      const op = docs.map((d) => d.paths[path]?.[method]).find(Boolean);
      return op ? success(op) : 'undocumented';
    };
    const calls: [string, string, { status: number }][] = [];
    const call = async (method: string, path: string, res: Promise<{ status: number }>) => { calls.push([method, path, await res]); };
    await call('post', '/api/auth/login', Promise.resolve(login));
    await call('get', '/api/auth/me', analyst.get('/api/auth/me'));
    await call('post', '/api/meta/objects', analyst.post('/api/meta/objects', { key: 'status_probe', label: '探针', fields: [{ key: 'name', label: '名称', type: 'text' }] }));
    await call('post', '/api/meta/objects/{object}/fields', analyst.post('/api/meta/objects/status_probe/fields', { key: 'note', label: '备注', type: 'text' }));
    await analyst.post('/api/meta/objects/status_probe/fields', { key: 'spare', label: '备用', type: 'text' });
    await call('delete', '/api/meta/objects/{object}/fields/{field}', analyst.del('/api/meta/objects/status_probe/fields/spare'));
    await call('post', '/api/meta/forms', analyst.post('/api/meta/forms', { key: 'status_probe_f', object: 'status_probe', title: '探针', layout: [{ field: 'name' }] }));
    await call('put', '/api/meta/forms/{key}', analyst.put('/api/meta/forms/status_probe_f', { object: 'status_probe', title: '探针', layout: [{ field: 'name' }, { field: 'note' }] }));
    await call('post', '/api/meta/forms/{key}/publish', analyst.post('/api/meta/forms/status_probe_f/publish'));
    const role = (await security.get('/api/admin/roles/analyst')).body as { permissions: object[] };
    await call('patch', '/api/admin/roles/{key}', security.patch('/api/admin/roles/analyst', { permissions: [...role.permissions, { object: 'status_probe', actions: ['create', 'read', 'delete'], scope: 'all' }] }));
    await call('post', '/api/admin/roles', security.post('/api/admin/roles', { key: 'status_probe_role', name: '探针', permissions: [] }));
    await call('post', '/api/forms/{key}/submit', analyst.post('/api/forms/status_probe_f/submit', { name: '甲' }));
    const rec = await analyst.post('/api/records/status_probe', { name: '乙' });
    await call('post', '/api/records/{object}', Promise.resolve(rec));
    await call('post', '/api/records/{object}/query', analyst.post('/api/records/status_probe/query', {}));
    await call('delete', '/api/records/{object}/{id}', analyst.del(`/api/records/status_probe/${rec.body.id}`));
    await call('post', '/api/reports/query', analyst.post('/api/reports/query', { key: 'status_probe_r', name: '探针', object: 'status_probe', measures: [{ key: 'n', agg: 'count' }], dimensions: [] }));
    const xml = chain('status_probe', ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="u" name="看" crm:candidateGroups="analyst"/>', '<bpmn:endEvent id="e"/>']);
    await call('post', '/api/process-definitions', analyst.post('/api/process-definitions', { bpmnXml: xml }));
    const started = await analyst.post('/api/process-definitions/status_probe/start', {});
    await call('post', '/api/process-definitions/{key}/start', Promise.resolve(started));
    await call('post', '/api/process-instances/{id}/cancel', analyst.post(`/api/process-instances/${started.body.id}/cancel`));
    await call('post', '/api/signals', analyst.post('/api/signals', { name: 'status_probe' }));
    for (const [method, path, res] of calls) {
      expect([method, path, res.status]).toEqual([method, path, Number(documented(method, path)) || documented(method, path)]);
    }
    // The statuses are not all alike: creates, plain answers and empty answers each say so.
    expect(new Set(calls.map(([, , r]) => r.status))).toEqual(new Set([200, 201, 204]));
  });

  it('the answers match the response schemas the document shows', async () => {
    const login = await client(srv.baseUrl).post('/api/auth/login', { username: 'analyst', password: 'Demo@2026' });
    LoginResponseSchema.parse(login.body);
    const analyst = client(srv.baseUrl, login.body.accessToken);
    const made = await analyst.post('/api/meta/objects', { key: 'doc_probe', label: '探针', fields: [{ key: 'name', label: '名称', type: 'text' }] });
    expect(made.status).toBe(201);
    ObjectSchema.parse(made.body);
    itemsOfSchema(ObjectSchema).parse((await analyst.get('/api/meta/objects')).body);
    const xml = chain('doc_probe', ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="u" name="看一看" crm:candidateGroups="analyst"/>', '<bpmn:endEvent id="e"/>']);
    const deployed = await analyst.post('/api/process-definitions', { bpmnXml: xml });
    expect(deployed.status).toBe(201);
    DeployResponseSchema.parse(deployed.body);
    const started = await analyst.post('/api/process-definitions/doc_probe/start', {});
    expect(started.status).toBe(201);
    ProcessInstanceSchema.parse(started.body);
    const tasks = itemsOfSchema(TaskSchema).parse((await analyst.get('/api/tasks?scope=all')).body);
    expect(tasks.items.map((t) => t.name)).toContain('看一看');

    // Records need a grant (deny by default): the security administrator gives the analyst's role the new object.
    const security = await as('security');
    const role = RoleSchema.parse(await security.admin.getRole('analyst'));
    await security.admin.updateRole('analyst', { permissions: [...role.permissions, { object: 'doc_probe', actions: ['create', 'read'], scope: 'all' }] });
    const rec = await analyst.post('/api/records/doc_probe', { name: '甲' });
    expect(rec.status).toBe(201);
    RecordSchema.parse(rec.body);
    RecordPageSchema.parse((await analyst.get('/api/records/doc_probe')).body);
    const auditor = await as('auditor');
    AuditVerifySchema.parse(await auditor.audit.verify());
    // A drifted answer would fail: the schemas are not mere documentation.
    expect(RecordSchema.safeParse({ id: 'not-a-uuid', version: 1 }).success).toBe(false);
    expect(TaskSchema.safeParse({ ...tasks.items[0], candidateGroups: 'analyst' }).success).toBe(false);
  });
});

