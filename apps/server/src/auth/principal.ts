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
