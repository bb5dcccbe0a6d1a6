/** Single sign-on settings for the security administrator (platform right `admin.roles`: the mappings grant roles). */
import { Body, Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import { SsoTestBody, type SsoSettings, type SsoTestResult } from '@crm/shared';
import { RequireRight } from '../../access/platform-rights.js';
import { AppError } from '../../common/app-error.js';
import { parseInput } from '../../common/validation.js';
import { CurrentUser, type Principal } from '../principal.js';
import { DirectoryAccounts } from '../directory/directory-accounts.js';
import { OidcLoginService } from './oidc-login.service.js';
import { SsoSettingsService } from './sso-settings.service.js';

@Controller('api/admin/sso')
@RequireRight('admin.roles')
export class SsoSettingsController {
  constructor(
    private readonly settings: SsoSettingsService,
    private readonly accounts: DirectoryAccounts,
    private readonly oidc: OidcLoginService,
  ) {}

  @Get()
  view(): Promise<SsoSettings> {
    return this.settings.view();
  }

  @Put('ldap')
  saveLdap(@CurrentUser() p: Principal, @Body() body: unknown): Promise<SsoSettings> {
    return this.settings.saveLdap(p, body);
  }

  @Put('oidc')
  saveOidc(@CurrentUser() p: Principal, @Body() body: unknown): Promise<SsoSettings> {
    return this.settings.saveOidc(p, body);
  }

  /**
   * Tries the settings in force without signing anybody in: the directory binds as the service account
   * (and, with `username`, finds the user and shows the roles their groups map to); the OpenID provider's
   * discovery document is read. A failure is an answer (`ok: false`) with the reason, not an error.
   */
  @Post('ldap/test')
  @HttpCode(200)
  testLdap(@Body() body: unknown): Promise<SsoTestResult> {
    return this.test('ldap', body);
  }

  @Post('oidc/test')
  @HttpCode(200)
  testOidc(@Body() body: unknown): Promise<SsoTestResult> {
    return this.test('oidc', body);
  }

  private async test(kind: 'ldap' | 'oidc', body: unknown): Promise<SsoTestResult> {
    const { username } = parseInput(SsoTestBody, body ?? {});
    const started = performance.now();
    if (kind === 'ldap') {
      const directory = await this.accounts.directory();
      if (!directory) this.settings.notConfigured();
      try {
        if (!username) {
          await directory.ping();
          return this.settings.result(true, 'sso.test_ok_ldap', {}, started);
        }
        const user = await directory.lookup(username);
        if (!user) return this.settings.result(false, 'sso.test_user_not_found', { username }, started);
        const roles = directory.rolesOf(user);
        return this.settings.result(true, 'sso.test_ok_user', { username, roles: roles.join(', ') || this.none() }, started, { dn: user.dn, displayName: user.displayName, orgCode: user.orgCode, groups: user.groups, roles });
      } catch (err) {
        return this.settings.result(false, 'sso.test_ldap_failed', { reason: (err as Error).message.slice(0, 200) }, started);
      }
    }
    const cfg = await this.oidc.settings();
    if (!cfg) this.settings.notConfigured();
    try {
      const provider = (await this.oidc.provider(cfg)).serverMetadata();
      return this.settings.result(true, 'sso.test_ok_oidc', { issuer: provider.issuer }, started, { issuer: provider.issuer, authorizationEndpoint: provider.authorization_endpoint ?? null, tokenEndpoint: provider.token_endpoint ?? null });
    } catch (err) {
      const reason = err instanceof AppError ? this.settings.result(false, err.code, {}, started).message : (err as Error).name;
      return this.settings.result(false, 'sso.test_oidc_failed', { reason }, started);
    }
  }

  private none(): string {
    return this.settings.result(true, 'sso.none', {}, 0).message;
  }
}
