/** The operation builder: a described route gets its schemas; an undescribed one is flagged, never dropped. */
import { describe, expect, it } from '@jest/globals';
import { LoginBody, TaskQuery } from '@crm/shared';
import { openApiPath } from './registered-routes.js';
import { operation } from './route-operation.js';

describe('route operations', () => {
  it('flags a registered route nobody described', () => {
    const op = operation({ method: 'post', path: '/api/new-thing/{id}' }, undefined);
    expect(op['x-undocumented']).toBe(true);
    expect(op.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
  });

  it('writes body and query schemas from zod', () => {
    const login = operation({ method: 'post', path: '/api/auth/login' }, { method: 'post', path: '/api/auth/login', tag: 'auth', summary: 's', public: true, body: LoginBody });
    expect(login['x-undocumented']).toBeUndefined();
    expect(login.security).toEqual([]);
    const schema = (login.requestBody as { content: { 'application/json': { schema: { required: string[] } } } }).content['application/json'].schema;
    expect(schema.required).toEqual(['username', 'password']);
    const tasks = operation({ method: 'get', path: '/api/tasks' }, { method: 'get', path: '/api/tasks', tag: 'workflow', summary: 's', query: TaskQuery });
    expect((tasks.parameters as { name: string; required: boolean }[]).map((p) => [p.name, p.required])).toEqual([['scope', false], ['limit', false]]);
  });

  it('turns Fastify paths into OpenAPI paths and skips wildcards and non-API routes', () => {
    expect(openApiPath('/api/records/:object/:id')).toBe('/api/records/{object}/{id}');
    expect(openApiPath('/api/docs/assets/*')).toBeNull();
    expect(openApiPath('/metrics')).toBeNull();
  });
});
