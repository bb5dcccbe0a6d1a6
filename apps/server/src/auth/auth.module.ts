import { Module } from '@nestjs/common';
import { AuthService } from './auth.service.js';
import { UserCache } from './user-cache.js';
import { AdminApiKeysController, AuthController } from './auth.controller.js';
import { AuditModule } from '../audit/audit.module.js';
import { DirectoryAccounts } from './directory/directory-accounts.js';
import { DirectorySyncController } from './directory/directory-sync.controller.js';
import { OidcLoginService } from './sso/oidc-login.service.js';
import { OidcController } from './sso/oidc.controller.js';
import { SsoSettingsService } from './sso/sso-settings.service.js';
import { SsoSettingsController } from './sso/sso-settings.controller.js';
import { AUTH_CLOCK, SessionStore, systemAuthClock } from './sessions.js';

@Module({
  imports: [AuditModule],
  providers: [AuthService, UserCache, DirectoryAccounts, OidcLoginService, SsoSettingsService, SessionStore, { provide: AUTH_CLOCK, useValue: systemAuthClock }],
  controllers: [AuthController, AdminApiKeysController, DirectorySyncController, OidcController, SsoSettingsController],
  exports: [AuthService, UserCache],
})
export class AuthModule {}
