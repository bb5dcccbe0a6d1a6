import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Who is calling: set by the auth guard on every authenticated request. */
export interface Principal {
  id: string;
  username: string;
  displayName: string | null;
  roles: string[];
  orgUnitId: string | null;
  via: 'token' | 'api_key';
  /** Signed in with a temporary password: may only change it. */
  passwordChangeRequired?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const req = ctx.switchToHttp().getRequest<FastifyRequest>();
  if (!req.principal) throw new Error('CurrentUser used on a public route');
  return req.principal;
});

/** The active user with this id as a principal (null: no such user, or disabled) — for work done later in a user's name. */
export async function activePrincipal(q: { query: <R extends import('pg').QueryResultRow>(sql: string, params?: unknown[]) => Promise<import('pg').QueryResult<R>> }, id: string): Promise<Principal | null> {
  const { rows } = await q.query<{ id: string; username: string; display_name: string | null; roles: string[]; org_unit_id: string | null; disabled: boolean }>(
    'SELECT id::text AS id, username, display_name, roles, org_unit_id::text AS org_unit_id, disabled FROM crm.users WHERE id = $1::uuid',
    [id],
  );
  const u = rows[0];
  if (!u || u.disabled) return null;
  return { id: u.id, username: u.username, displayName: u.display_name, roles: u.roles, orgUnitId: u.org_unit_id, via: 'token' };
}
