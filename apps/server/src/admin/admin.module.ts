import { Module } from '@nestjs/common';
import { AdminService } from './admin.service.js';
import { OrgUnitsController, RolesController, UsersController } from './admin.controller.js';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { ApprovalsRepository } from './approvals.repository.js';
import { ApprovalsService } from './approvals.service.js';
import { PasswordResetsController, RoleGrantsController } from './approvals.controller.js';
import { DirectoryController } from './directory.controller.js';

@Module({
  imports: [AuditModule, AuthModule],
  providers: [AdminService, ApprovalsRepository, ApprovalsService],
  controllers: [UsersController, RolesController, OrgUnitsController, PasswordResetsController, RoleGrantsController, DirectoryController],
})
export class AdminModule {}
