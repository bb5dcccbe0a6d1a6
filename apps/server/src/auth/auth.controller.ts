import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  LoginBody, ChangePasswordBody, OwnApiKeyBody, ServiceApiKeyBody,
  type ApiKey, type ChangePasswordResponse, type CreatedApiKey, type CurrentUser as Me, type Items, type LoginResponse, type RefreshResponse, type Unserialized,
} from '@crm/shared';
import { Public } from '../common/public.decorator.js';
import { parseInput } from '../common/validation.js';
import { AuthService } from './auth.service.js';
import { CurrentUser, type Principal } from './principal.js';
import { RequireRight } from '../access/platform-rights.js';
import { AllowWhilePasswordChange } from './password-change.decorator.js';
import { AppError } from '../common/app-error.js';
import { assertOwnOrigin, clearedRefreshCookie, refreshTokenOf, setRefreshCookie } from './session-cookie.js';

@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  async login(@Body() body: unknown, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<LoginResponse> {
    const { username, password } = parseInput(LoginBody, body);
    const answer = await this.auth.login(username, password);
    // The answer is unchanged for API clients; a browser also gets the session's refresh cookie.
    const session = await this.auth.openSession(answer.user.id);
    if (session) setRefreshCookie(req, reply, session);
    return answer;
  }

  /** A new access token from the refresh cookie, which is rotated; a refusal also deletes the cookie. */
  @Public()
  @Post('refresh')
  @HttpCode(200)
  async refresh(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<RefreshResponse> {
    assertOwnOrigin(req);
    try {
      const { answer, next } = await this.auth.refresh(refreshTokenOf(req));
      setRefreshCookie(req, reply, next);
      return answer;
    } catch (e) {
      if (e instanceof AppError) throw new AppError(e.status, e.code, e.params, undefined, clearedRefreshCookie(req));
      throw e;
    }
  }

  /** Signs out: the session behind the refresh cookie ends and the cookie is deleted. */
  @Public()
  @Post('logout')
  @HttpCode(204)
  async logout(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    assertOwnOrigin(req);
    await this.auth.logout(refreshTokenOf(req));
    void reply.headers(clearedRefreshCookie(req));
  }

  /** Replaces the caller's password; every earlier token and API key of theirs stops working. */
  @Post('change-password')
  @HttpCode(200)
  @AllowWhilePasswordChange()
  async changePassword(@CurrentUser() p: Principal, @Body() body: unknown, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<ChangePasswordResponse> {
    const input = parseInput(ChangePasswordBody, body);
    const answer = await this.auth.changePassword(p, input.currentPassword, input.newPassword);
    // Every earlier session ended with the change; this browser continues in a new one.
    const session = await this.auth.openSession(p.id);
    if (session) setRefreshCookie(req, reply, session);
    return answer;
  }

  @Get('me')
  me(@CurrentUser() p: Principal): Promise<Me> {
    return this.auth.me(p);
  }

  /** The caller's own API keys. */
  @Get('api-keys')
  listMine(@CurrentUser() p: Principal): Promise<Items<Unserialized<ApiKey>>> {
    return this.auth.listApiKeys(p.id).then((items) => ({ items }));
  }

  /** A key for the caller itself. */
  @Post('api-keys')
  create(@CurrentUser() p: Principal, @Body() body: unknown): Promise<Unserialized<CreatedApiKey>> {
    const input = parseInput(OwnApiKeyBody, body);
    return this.auth.createApiKey(p, input.name, p.id, input.expiresInDays);
  }

  @Delete('api-keys/:id')
  @HttpCode(204)
  async revoke(@CurrentUser() p: Principal, @Param('id', new ParseUUIDPipe()) id: string) {
    await this.auth.revokeApiKey(id, p.id);
  }
}

/** Keys for service accounts (never for another person), managed by user administrators. */
@Controller('api/admin/api-keys')
@RequireRight('admin.users')
export class AdminApiKeysController {
  constructor(private readonly auth: AuthService) {}

  @Get()
  list(): Promise<Items<Unserialized<ApiKey>>> {
    return this.auth.listApiKeys(null).then((items) => ({ items }));
  }

  @Post()
  create(@CurrentUser() p: Principal, @Body() body: unknown): Promise<Unserialized<CreatedApiKey>> {
    const input = parseInput(ServiceApiKeyBody, body);
    return this.auth.createApiKey(p, input.name, input.userId, input.expiresInDays);
  }

  @Delete(':id')
  @HttpCode(204)
  async revoke(@Param('id', new ParseUUIDPipe()) id: string) {
    await this.auth.revokeApiKey(id, null);
  }
}
