import { Module } from '@nestjs/common';
import { AdminService } from './admin.service.js';
import { OrgUnitsController, RolesController, UsersController } from './admin.controller.js';
import { AuditModule } from '../audit/audit.module.js';

@Module({ imports: [AuditModule], providers: [AdminService], controllers: [UsersController, RolesController, OrgUnitsController] })
export class AdminModule {}
