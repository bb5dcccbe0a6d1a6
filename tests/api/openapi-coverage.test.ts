/**
 * The OpenAPI document lists every /api route the server registered, described from the shared zod
 * schemas: no registered route is undocumented (a new controller route without a description fails
 * here), the routes the old hand-kept list missed are present, and a documented limit is the one the
 * server enforces.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, isApiError, PLATFORM_RIGHTS, type ApiClient } from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';

interface Operation { summary: string; tags: string[]; 'x-undocumented'?: boolean; 'x-required-right'?: string; requestBody?: { content: { 'application/json': { schema: Record<string, any> } } }; parameters?: { name: string; in: string }[] }
interface Doc { paths: Record<string, Record<string, Operation>> }

describe('OpenAPI document covers the registered routes', () => {
  let srv: TestServer;
  const as = async (username: string): Promise<ApiClient> => {
    const { accessToken } = await createClient({ baseUrl: srv.baseUrl }).login({ username, password: 'Demo@2026' });
    return createClient({ baseUrl: srv.baseUrl, getToken: () => accessToken });
  };
  const docOf = async (c: ApiClient) => (await c.openapi()) as unknown as Doc;
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
});
