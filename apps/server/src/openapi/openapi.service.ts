/**
 * The OpenAPI 3.1 document, generated on request from the routes Fastify registered (described by
 * static-routes.ts with the shared zod schemas) and the current metadata:
 * one path set and schema per object the caller may use, with only the fields the caller may read.
 * It follows metadata changes at once because it is built from the metadata cache.
 */
import { Inject, Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { deriveDataSchema, pickText } from '@crm/form-engine';
import { MetadataService } from '../metadata/metadata.service.js';
import { AccessService } from '../access/access.service.js';
import type { Principal } from '../auth/principal.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { STATIC_ROUTES } from './static-routes.js';
import { solutionPacks } from '../packs/pack-registry.js';
import { RegisteredRoutes } from './registered-routes.js';
import { nestRouteStatuses } from './nest-statuses.js';
import { ERROR_REF as ERROR, jsonSchemaOf, operation, SHARED_COMPONENTS } from './route-operation.js';
import { ErrorBodySchema } from '@crm/shared';

// The platform's routes and those the installed solution packs contribute.
const DOCS = new Map([...STATIC_ROUTES, ...solutionPacks().flatMap((pack) => pack.openApiRoutes ?? [])].map((r) => [`${r.method} ${r.path}`, r]));

@Injectable()
export class OpenApiService {
  /** The success status of every Nest route (its `@HttpCode`, else Nest's default), read once. */
  private statuses?: Map<string, number>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly meta: MetadataService,
    private readonly access: AccessService,
    private readonly registered: RegisteredRoutes,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async document(p: Principal | null): Promise<object> {
    const rights = p ? await this.access.platformRights(p.roles) : new Set<string>();
    const paths: Record<string, Record<string, object>> = {};
    this.statuses ??= nestRouteStatuses(this.discovery.getControllers().flatMap((w) => (w.metatype ? [w.metatype] : [])));
    for (const r of this.registered.list()) {
      const doc = DOCS.get(`${r.method} ${r.path}`);
      if (doc?.right && !rights.has(doc.right)) continue;
      (paths[r.path] ??= {})[r.method] = operation(r, doc, this.statuses.get(`${r.method} ${r.path}`));
    }
    const schemas: Record<string, object> = {
      Error: jsonSchemaOf(ErrorBodySchema, 'output'),
      ...Object.fromEntries(SHARED_COMPONENTS),
    };
    if (p) {
      for (const o of await this.meta.objects()) {
        const acc = await this.access.forObject(p, o.key);
        const actions = (['create', 'read', 'update', 'delete'] as const).filter((a) => acc.can(a));
        if (!actions.length) continue;
        const readable = o.fields.filter((f) => acc.fieldMode(f.key) !== 'none');
        const writable = o.fields.filter((f) => acc.fieldMode(f.key) === 'write');
        const name = o.key;
        const input = deriveDataSchema(writable) as Record<string, unknown>;
        delete input.$schema;
        const output = deriveDataSchema(readable) as { properties?: Record<string, unknown>; $schema?: string; required?: string[] };
        delete output.$schema;
        delete output.required;
        output.properties = { id: { type: 'string', format: 'uuid' }, version: { type: 'integer' }, created_at: { type: 'string', format: 'date-time' }, updated_at: { type: 'string', format: 'date-time' }, owner_id: { type: ['string', 'null'] }, org_unit_id: { type: ['string', 'null'] }, ...(output.properties ?? {}) };
        schemas[`${name}`] = { ...output, title: pickText(o.label, 'zh-CN') };
        schemas[`${name}_input`] = { ...input, title: `${pickText(o.label, 'zh-CN')} (input)` };
        const ref = { $ref: `#/components/schemas/${name}` };
        const inRef = { $ref: `#/components/schemas/${name}_input` };
        const tag = `object:${name}`;
        const col: Record<string, object> = {};
        const one: Record<string, object> = {};
        if (acc.can('read')) {
          col.get = {
            tags: [tag], summary: `查询${pickText(o.label, 'zh-CN')} / List ${name}`,
            parameters: ['filter', 'sort', 'limit', 'cursor', 'fields'].map((n) => ({ name: n, in: 'query', required: false, schema: { type: n === 'limit' ? 'integer' : 'string' } })),
            responses: { '200': { description: 'A page', content: { 'application/json': { schema: { type: 'object', properties: { items: { type: 'array', items: ref }, nextCursor: { type: ['string', 'null'] } } } } } } },
          };
          one.get = { tags: [tag], summary: `读取 / Get ${name}`, responses: { '200': { description: 'The record', content: { 'application/json': { schema: ref } } }, '404': { description: 'Not found', content: { 'application/json': { schema: ERROR } } } } };
          paths[`/api/records/${name}/query`] = { post: { tags: [tag], summary: `查询 / Query ${name}`, requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { filter: { type: 'object' }, sort: { type: 'string' }, limit: { type: 'integer', maximum: 500 }, cursor: { type: 'string' } } } } } }, responses: { '200': { description: 'A page' } } } };
        }
        if (acc.can('create')) col.post = { tags: [tag], summary: `新建 / Create ${name}`, requestBody: { content: { 'application/json': { schema: inRef } } }, responses: { '201': { description: 'Created', content: { 'application/json': { schema: ref } } }, '400': { description: 'Invalid', content: { 'application/json': { schema: ERROR } } } } };
        if (acc.can('update')) one.patch = { tags: [tag], summary: `修改 / Update ${name}`, requestBody: { content: { 'application/json': { schema: { allOf: [inRef, { type: 'object', properties: { version: { type: 'integer' } }, required: ['version'] }] } } } }, responses: { '200': { description: 'Updated', content: { 'application/json': { schema: ref } } }, '409': { description: 'Stale version', content: { 'application/json': { schema: ERROR } } } } };
        if (acc.can('delete')) one.delete = { tags: [tag], summary: `删除 / Delete ${name}`, responses: { '204': { description: 'Deleted' } } };
        const idParam = [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }];
        if (Object.keys(col).length) paths[`/api/records/${name}`] = col;
        if (Object.keys(one).length) paths[`/api/records/${name}/{id}`] = Object.fromEntries(Object.entries(one).map(([m, op]) => [m, { ...op, parameters: idParam }]));
      }
    }
    return {
      openapi: '3.1.0',
      info: { title: '银行客户管理平台 API', version: this.config.version, description: 'Bank CRM Platform: metadata-driven records, forms, processes, access control and audit.' },
      jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
      servers: [{ url: '/' }],
      security: [{ bearer: [] }],
      paths,
      components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A JWT from /api/auth/login, or an API key' } } },
    };
  }
}
