/**
 * The /api routes Fastify actually registered (Nest controllers and plugins alike), collected with the
 * `onRoute` hook: the OpenAPI document lists these, so a route cannot exist without appearing in it.
 */
import { Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export interface RegisteredRoute {
  method: HttpMethod;
  /** OpenAPI style: `/api/records/{object}/{id}`. */
  path: string;
}

const METHODS = new Set<string>(['get', 'post', 'put', 'patch', 'delete']);

/** `/api/x/:id` → `/api/x/{id}`; wildcard routes (static files) are not operations and give null. */
export function openApiPath(url: string): string | null {
  if (!url.startsWith('/api/') || url.includes('*')) return null;
  return url.replace(/:(\w+)/g, '{$1}');
}

@Injectable()
export class RegisteredRoutes {
  private readonly routes = new Map<string, RegisteredRoute>();

  /** Call before the application registers its routes (before `app.init()`). */
  install(fastify: FastifyInstance): void {
    fastify.addHook('onRoute', (r) => {
      const path = openApiPath(r.url);
      if (!path) return;
      for (const m of [r.method].flat()) {
        const method = m.toLowerCase();
        if (METHODS.has(method)) this.routes.set(`${method} ${path}`, { method: method as HttpMethod, path });
      }
    });
  }

  list(): RegisteredRoute[] {
    return [...this.routes.values()];
  }
}
