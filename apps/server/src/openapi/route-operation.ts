/**
 * One OpenAPI operation per registered route, from its description in static-routes.ts and the shared
 * contract's zod schemas of its body, query and answer (zod 4 writes the JSON Schema). A route nobody described is still listed,
 * marked `x-undocumented`, so the gap shows (and a test fails) instead of the route going missing.
 */
import { z } from 'zod';
import { NO_JSON_BODY } from '@crm/shared';
import type { RegisteredRoute } from './registered-routes.js';
import { defaultStatus } from './nest-statuses.js';
import type { StaticRoute } from './static-routes.js';

export const ERROR_REF = { $ref: '#/components/schemas/Error' };

/**
 * Named schemas a recursive contract schema refers to (the form layout item): written once under
 * `components.schemas`, which its `$ref`s point to (a `#/$defs/…` inside an operation would resolve
 * against the document, not the schema).
 */
export const SHARED_COMPONENTS = new Map<string, object>();

const toComponents = (v: unknown): unknown => JSON.parse(JSON.stringify(v).replaceAll('"#/$defs/', '"#/components/schemas/'));

/** JSON Schema of a request (`input`: what a caller sends) or an answer (`output`). */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete out.$schema;
  const defs = out.$defs as Record<string, object> | undefined;
  // Only named ones (`.meta({ id })` in the contract); zod's own `__schemaN` names are not unique across schemas.
  if (!defs || Object.keys(defs).some((name) => name.startsWith('__'))) return out;
  delete out.$defs;
  for (const [name, def] of Object.entries(defs)) SHARED_COMPONENTS.set(name, toComponents(def) as object);
  return toComponents(out) as Record<string, unknown>;
}

function queryParameters(query: z.ZodType): object[] {
  const js = jsonSchemaOf(query, 'input') as { properties?: Record<string, object>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: js.required?.includes(name) ?? false, schema }));
}

/**
 * The operation of a route. Its success is listed under the status it really answers: the description's
 * own `status` (routes that set it on the reply themselves, plugin routes), else the handler's Nest status
 * (`nestStatus`: its `@HttpCode`, or 201 for POST), else Nest's default; a four-eyes route also lists its
 * `202` answer (`accepted`).
 */
export function operation(route: RegisteredRoute, doc: StaticRoute | undefined, nestStatus?: number): Record<string, unknown> {
  const op: Record<string, unknown> = doc
    ? { tags: [doc.tag], summary: doc.summary }
    : { tags: ['undocumented'], summary: `${route.method.toUpperCase()} ${route.path}`, 'x-undocumented': true };
  if (doc?.right) op['x-required-right'] = doc.right;
  if (doc?.public) op.security = [];
  const status = doc?.status ?? nestStatus ?? defaultStatus(route.method);
  const ok: Record<string, unknown> = { description: status === 201 ? 'Created' : status === 204 ? 'No content' : 'OK' };
  if (doc?.response === NO_JSON_BODY) {
    ok.description = 'No JSON body: no content, a redirect, a file, a script or XML';
    op['x-no-json-body'] = true;
  } else if (doc) {
    ok.content = { 'application/json': { schema: jsonSchemaOf(doc.response, 'output') } };
  }
  const responses: Record<string, unknown> = { [String(status)]: ok };
  if (doc?.accepted) {
    responses['202'] = { description: 'Accepted: waiting for a second approver', content: { 'application/json': { schema: jsonSchemaOf(doc.accepted, 'output') } } };
  }
  op.responses = { ...responses, '4XX': { description: 'Error', content: { 'application/json': { schema: ERROR_REF } } } };
  if (doc?.body) op.requestBody = { content: { 'application/json': { schema: jsonSchemaOf(doc.body, 'input') } } };
  const params: object[] = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  if (doc?.query) params.push(...queryParameters(doc.query));
  if (params.length) op.parameters = params;
  return op;
}
