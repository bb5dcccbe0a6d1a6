/** The operation builder: a described route gets its schemas; an undescribed one is flagged, never dropped. */
import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { Controller, Delete, Get, HttpCode, Patch, Post } from '@nestjs/common';
import {
  AdminUserSchema, itemsOfSchema, LoginBody, LoginResponseSchema, NO_JSON_BODY, PendingReplySchema, PublishedFormSchema, TaskQuery, TaskSchema, UpdateUserBody,
} from '@crm/shared';
import { openApiPath } from './registered-routes.js';
import { operation, SHARED_COMPONENTS } from './route-operation.js';
import { nestRouteStatuses } from './nest-statuses.js';

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
    const login = operation({ method: 'post', path: '/api/auth/login' }, { method: 'post', path: '/api/auth/login', tag: 'auth', summary: 's', body: LoginBody, response: LoginResponseSchema }, 200);
    const ok = (login.responses as Record<string, Ok>)['200']!;
    expect(ok.content!['application/json'].schema.required).toEqual(['accessToken', 'expiresAt', 'user']);
    // Strict answers: a property the contract does not name is a drift, and the document says so.
    expect(ok.content!['application/json'].schema.additionalProperties).toBe(false);
    expect(login['x-no-json-body']).toBeUndefined();
    const file = operation({ method: 'get', path: '/api/files/{id}' }, { method: 'get', path: '/api/files/{id}', tag: 'files', summary: 's', response: NO_JSON_BODY });
    expect(file['x-no-json-body']).toBe(true);
    expect((file.responses as Record<string, Ok>)['200']!.content).toBeUndefined();
  });

  it('lists the success under the status the route answers with', () => {
    const statuses = (op: Record<string, unknown>) => Object.keys(op.responses as object);
    const doc = { method: 'post' as const, path: '/api/things', tag: 't', summary: 's', response: TaskSchema };
    // Nest's default for POST is 201; the handler's @HttpCode wins; a description's own status wins over both.
    expect(statuses(operation({ method: 'post', path: '/api/things' }, doc))).toEqual(['201', '4XX']);
    expect(statuses(operation({ method: 'post', path: '/api/things' }, doc, 200))).toEqual(['200', '4XX']);
    expect(statuses(operation({ method: 'get', path: '/api/things' }, { ...doc, method: 'get' }))).toEqual(['200', '4XX']);
    const gone = operation({ method: 'delete', path: '/api/things/{id}' }, { ...doc, method: 'delete', path: '/api/things/{id}', response: NO_JSON_BODY }, 204);
    expect(statuses(gone)).toEqual(['204', '4XX']);
    const redirect = operation({ method: 'get', path: '/api/go' }, { ...doc, method: 'get', path: '/api/go', response: NO_JSON_BODY, status: 302 }, 200);
    expect(statuses(redirect)).toEqual(['302', '4XX']);
    // A four-eyes change answers 200 when applied, 202 with the pending request otherwise.
    const user = operation({ method: 'patch', path: '/api/admin/users/{id}' }, { method: 'patch', path: '/api/admin/users/{id}', tag: 'admin', summary: 's', body: UpdateUserBody, response: AdminUserSchema, accepted: PendingReplySchema }, 200);
    expect(statuses(user)).toEqual(['200', '202', '4XX']);
    const pending = (user.responses as Record<string, { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } }>)['202']!;
    expect(Object.keys(pending.content['application/json'].schema.properties)).toEqual(expect.arrayContaining(['status', 'approval']));
  });

  it('writes the recursive form layout once, as a component its references point to', () => {
    const op = operation({ method: 'get', path: '/api/meta/forms/{key}/published' }, { method: 'get', path: '/api/meta/forms/{key}/published', tag: 'forms', summary: 's', response: PublishedFormSchema });
    const text = JSON.stringify(op);
    expect(text).not.toContain('$defs');
    expect(text).toContain('"#/components/schemas/FormLayoutItem"');
    expect(JSON.stringify(SHARED_COMPONENTS.get('FormLayoutItem'))).toContain('"#/components/schemas/FormLayoutItem"');
  });

  it('reads each Nest handler\'s status: @HttpCode, else 201 for POST and 200 otherwise', () => {
    @Controller('api/things')
    class ThingsController {
      @Get() list() { return []; }
      @Post() create() { return {}; }
      @Post(':id/run') @HttpCode(200) run() { return {}; }
      @Patch(':id') update() { return {}; }
      @Delete(':id') @HttpCode(204) remove() { return undefined; }
      helper() { return 1; }
    }
    @Controller()
    class RootController {
      @Post('api/ping') @HttpCode(202) ping() { return {}; }
    }
    expect(Object.fromEntries(nestRouteStatuses([ThingsController, RootController]))).toEqual({
      'get /api/things': 200, 'post /api/things': 201, 'post /api/things/{id}/run': 200, 'patch /api/things/{id}': 200,
      'delete /api/things/{id}': 204, 'post /api/ping': 202,
    });
  });

  it('turns Fastify paths into OpenAPI paths and skips wildcards and non-API routes', () => {
    expect(openApiPath('/api/records/:object/:id')).toBe('/api/records/{object}/{id}');
    expect(openApiPath('/api/docs/assets/*')).toBeNull();
    expect(openApiPath('/metrics')).toBeNull();
  });
});
