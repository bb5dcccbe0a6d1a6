import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  LoginBody, ChangePasswordBody, OwnApiKeyBody, ServiceApiKeyBody,
  type ApiKey, type ChangePasswordResponse, type CreatedApiKey, type CurrentUser as Me, type Items, type LoginResponse, type Unserialized,
} from '@crm/shared';
import { Public } from '../common/public.decorator.js';
import { parseInput } from '../common/validation.js';
import { AuthService } from './auth.service.js';
import { CurrentUser, type Principal } from './principal.js';
import { RequireRight } from '../access/platform-rights.js';
import { AllowWhilePasswordChange } from './password-change.decorator.js';

@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  login(@Body() body: unknown): Promise<LoginResponse> {
    const { username, password } = parseInput(LoginBody, body);
    return this.auth.login(username, password);
  }

  /** Replaces the caller's password; every earlier token and API key of theirs stops working. */
  @Post('change-password')
  @HttpCode(200)
  @AllowWhilePasswordChange()
  changePassword(@CurrentUser() p: Principal, @Body() body: unknown): Promise<ChangePasswordResponse> {
    const input = parseInput(ChangePasswordBody, body);
    return this.auth.changePassword(p, input.currentPassword, input.newPassword);
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
