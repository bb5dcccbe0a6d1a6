import { Module } from '@nestjs/common';
import { AuthService } from './auth.service.js';
import { UserCache } from './user-cache.js';
import { AdminApiKeysController, AuthController } from './auth.controller.js';
import { AuditModule } from '../audit/audit.module.js';

@Module({
  imports: [AuditModule],
  providers: [AuthService, UserCache],
  controllers: [AuthController, AdminApiKeysController],
  exports: [AuthService, UserCache],
})
export class AuthModule {}
