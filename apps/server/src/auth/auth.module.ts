import { Module } from '@nestjs/common';
import { AuthService } from './auth.service.js';
import { AdminApiKeysController, AuthController } from './auth.controller.js';
import { AuditModule } from '../audit/audit.module.js';

@Module({
  imports: [AuditModule],
  providers: [AuthService],
  controllers: [AuthController, AdminApiKeysController],
  exports: [AuthService],
})
export class AuthModule {}
