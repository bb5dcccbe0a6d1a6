/**
 * Single sign-on routes (public: the caller has no token yet). `GET /api/auth/providers` tells the login
 * page how users sign in; `/oidc/login` and `/oidc/callback` redirect the browser; `POST /oidc/exchange`
 * turns the one-time code into a token, answering like a password login.
 */
import { Body, Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OidcCallbackQuery, OidcExchangeBody, OidcLoginQuery, type AuthProviders, type OidcExchangeResponse } from '@crm/shared';
import { Public } from '../../common/public.decorator.js';
import { parseInput } from '../../common/validation.js';
import { AuthService } from '../auth.service.js';
import { DirectoryAccounts } from '../directory/directory-accounts.js';
import { OidcLoginService } from './oidc-login.service.js';
import { setRefreshCookie } from '../session-cookie.js';

@Controller('api/auth')
@Public()
export class OidcController {
  constructor(
    private readonly oidc: OidcLoginService,
    private readonly auth: AuthService,
    private readonly directory: DirectoryAccounts,
  ) {}

  @Get('providers')
  async providers(): Promise<AuthProviders> {
    const oidc = await this.oidc.settings();
    return { password: true as const, oidc: oidc ? { label: oidc.label } : null, ldap: !!(await this.directory.directory()) };
  }

  @Get('oidc/login')
  async login(@Query() q: unknown, @Res() reply: FastifyReply) {
    const { returnTo } = parseInput(OidcLoginQuery, q);
    const url = await this.oidc.start(returnTo);
    await reply.status(302).header('location', url).header('cache-control', 'no-store').send();
  }

  @Get('oidc/callback')
  async callback(@Query() q: unknown, @Res() reply: FastifyReply) {
    // A malformed redirect is not the provider's answer: it goes back to the login page as a failure.
    const parsed = OidcCallbackQuery.safeParse(q);
    const to = parsed.success ? await this.oidc.callback(parsed.data) : '/login?sso_error=auth.sso_failed';
    await reply.status(302).header('location', to).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').send();
  }

  @Post('oidc/exchange')
  @HttpCode(200)
  async exchange(@Body() body: unknown, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<OidcExchangeResponse> {
    const { code } = parseInput(OidcExchangeBody, body);
    const { userId, returnTo } = await this.oidc.redeem(code);
    const answer = await this.auth.signInExternal(userId, 'oidc');
    const session = await this.auth.openSession(userId);
    if (session) setRefreshCookie(req, reply, session);
    return { ...answer, returnTo };
  }
}
