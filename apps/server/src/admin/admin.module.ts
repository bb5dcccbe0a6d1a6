import { Module } from '@nestjs/common';
import { AdminService } from './admin.service.js';
import { OrgUnitsController, RolesController, UsersController } from './admin.controller.js';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';

@Module({ imports: [AuditModule, AuthModule], providers: [AdminService], controllers: [UsersController, RolesController, OrgUnitsController] })
export class AdminModule {}
