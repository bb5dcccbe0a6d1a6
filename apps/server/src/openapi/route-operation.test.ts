/** The operation builder: a described route gets its schemas; an undescribed one is flagged, never dropped. */
import { describe, expect, it } from '@jest/globals';
import { itemsOfSchema, LoginBody, LoginResponseSchema, NO_JSON_BODY, TaskQuery, TaskSchema } from '@crm/shared';
import { openApiPath } from './registered-routes.js';
import { operation } from './route-operation.js';

describe('route operations', () => {
  it('flags a registered route nobody described', () => {
    const op = operation({ method: 'post', path: '/api/new-thing/{id}' }, undefined);
    expect(op['x-undocumented']).toBe(true);
    expect(op.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
  });

  it('writes body and query schemas from zod', () => {
    const login = operation({ method: 'post', path: '/api/auth/login' }, { method: 'post', path: '/api/auth/login', tag: 'auth', summary: 's', public: true, body: LoginBody, response: LoginResponseSchema });
    expect(login['x-undocumented']).toBeUndefined();
    expect(login.security).toEqual([]);
    const schema = (login.requestBody as { content: { 'application/json': { schema: { required: string[] } } } }).content['application/json'].schema;
    expect(schema.required).toEqual(['username', 'password']);
    const tasks = operation({ method: 'get', path: '/api/tasks' }, { method: 'get', path: '/api/tasks', tag: 'workflow', summary: 's', query: TaskQuery, response: itemsOfSchema(TaskSchema) });
    expect((tasks.parameters as { name: string; required: boolean }[]).map((p) => [p.name, p.required])).toEqual([['scope', false], ['limit', false]]);
  });

  it('writes the answer schema from zod, or marks a route that sends no JSON', () => {
    type Ok = { description: string; content?: { 'application/json': { schema: { required: string[]; additionalProperties?: boolean } } } };
    const login = operation({ method: 'post', path: '/api/auth/login' }, { method: 'post', path: '/api/auth/login', tag: 'auth', summary: 's', body: LoginBody, response: LoginResponseSchema });
    const ok = (login.responses as Record<string, Ok>)['200']!;
    expect(ok.content!['application/json'].schema.required).toEqual(['accessToken', 'expiresAt', 'user']);
    // Strict answers: a property the contract does not name is a drift, and the document says so.
    expect(ok.content!['application/json'].schema.additionalProperties).toBe(false);
    expect(login['x-no-json-body']).toBeUndefined();
    const file = operation({ method: 'get', path: '/api/files/{id}' }, { method: 'get', path: '/api/files/{id}', tag: 'files', summary: 's', response: NO_JSON_BODY });
    expect(file['x-no-json-body']).toBe(true);
    expect((file.responses as Record<string, Ok>)['200']!.content).toBeUndefined();
  });

  it('turns Fastify paths into OpenAPI paths and skips wildcards and non-API routes', () => {
    expect(openApiPath('/api/records/:object/:id')).toBe('/api/records/{object}/{id}');
    expect(openApiPath('/api/docs/assets/*')).toBeNull();
    expect(openApiPath('/metrics')).toBeNull();
  });
});
