/**
 * The success status each Nest route answers with, read from the controllers' own metadata: the
 * `@HttpCode` of the handler, else what Nest does by default (201 for POST, 200 otherwise). The
 * OpenAPI document lists each route's success under this status, so it cannot drift from the code.
 */
import { RequestMethod } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import type { HttpMethod } from './registered-routes.js';
import { openApiPath } from './registered-routes.js';

const METHODS: Partial<Record<RequestMethod, HttpMethod>> = {
  [RequestMethod.GET]: 'get', [RequestMethod.POST]: 'post', [RequestMethod.PUT]: 'put', [RequestMethod.PATCH]: 'patch', [RequestMethod.DELETE]: 'delete',
};

/** Nest's status for a handler without `@HttpCode`. */
export const defaultStatus = (method: HttpMethod): number => (method === 'post' ? 201 : 200);

const paths = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : [typeof v === 'string' ? v : '/']);
const join = (...parts: string[]) => `/${parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;

/** `'<method> <OpenAPI path>'` → success status, for every handler of the given controller classes. */
export function nestRouteStatuses(controllers: Iterable<{ prototype: unknown }>): Map<string, number> {
  const out = new Map<string, number>();
  for (const controller of controllers) {
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const method = METHODS[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      if (!method || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const code = Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined;
      for (const base of paths(Reflect.getMetadata(PATH_METADATA, controller))) {
        for (const sub of paths(Reflect.getMetadata(PATH_METADATA, handler))) {
          const path = openApiPath(join(base, sub));
          if (path) out.set(`${method} ${path}`, code ?? defaultStatus(method));
        }
      }
    }
  }
  return out;
}
