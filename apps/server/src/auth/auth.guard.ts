/**
 * The global guard: every route needs a valid token or API key unless marked @Public(), and routes
 * marked @RequireRight(...) also need those platform rights. Deny by default.
 */
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { IS_PUBLIC } from '../common/public.decorator.js';
import { WHILE_PASSWORD_CHANGE } from './password-change.decorator.js';
import { AppError } from '../common/app-error.js';
import { RequestContext } from '../common/request-context.js';
import { REQUIRED_RIGHTS, type PlatformRight } from '../access/platform-rights.js';
import { AuthService } from './auth.service.js';
import { AccessService } from '../access/access.service.js';

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly access: AccessService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const header = req.headers.authorization;
    if (!header) throw new AppError(401, 'auth.unauthenticated', {}, undefined, { 'www-authenticate': 'Bearer' });
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const principal = m ? await this.auth.authenticate(m[1]) : null;
    if (!principal) throw new AppError(401, 'auth.invalid_token', {}, undefined, { 'www-authenticate': 'Bearer error="invalid_token"' });
    // A temporary password opens one door only: choosing a new password.
    if (principal.passwordChangeRequired && !this.reflector.getAllAndOverride<boolean>(WHILE_PASSWORD_CHANGE, targets)) {
      throw new AppError(403, 'auth.password_change_required');
    }
    req.principal = principal;
    const facts = RequestContext.current();
    if (facts) facts.principal = principal;

    const needed = this.reflector.getAllAndOverride<PlatformRight[] | undefined>(REQUIRED_RIGHTS, targets);
    if (needed?.length) {
      const have = await this.access.platformRights(principal.roles);
      if (!needed.every((r) => have.has(r))) throw new AppError(403, 'common.forbidden');
    }
    return true;
  }
}
