/**
 * Pending four-eyes requests: password resets of authorisation or audit duty holders, and grants of
 * those duties. Listed and approved by holders of a duty other than the requester's (checked in the
 * service: the route is open to every signed-in user, the duty rule is not a single platform right).
 */
import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { ApprovalsService } from './approvals.service.js';
import type { ApprovedPasswordReset, ApprovedRoleGrant, Items, PendingApproval, RejectedApproval, Unserialized } from '@crm/shared';

@Controller('api/admin/password-resets')
export class PasswordResetsController {
  constructor(private readonly approvals: ApprovalsService) {}

  @Get()
  list(@CurrentUser() p: Principal): Promise<Items<Unserialized<PendingApproval>>> {
    return this.approvals.pending('password_reset', p);
  }

  /** → `{ temporaryPassword }`, shown once to the approver, who hands it to the user. */
  @Post(':id/approve')
  @HttpCode(200)
  approve(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() p: Principal): Promise<Unserialized<ApprovedPasswordReset | ApprovedRoleGrant>> {
    return this.approvals.approve('password_reset', id, p);
  }

  /** Withdrawn by the requester or declined by a possible approver. */
  @Post(':id/reject')
  @HttpCode(200)
  reject(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() p: Principal): Promise<RejectedApproval> {
    return this.approvals.reject('password_reset', id, p);
  }
}

@Controller('api/admin/role-grants')
export class RoleGrantsController {
  constructor(private readonly approvals: ApprovalsService) {}

  @Get()
  list(@CurrentUser() p: Principal): Promise<Items<Unserialized<PendingApproval>>> {
    return this.approvals.pending('role_grant', p);
  }

  @Post(':id/approve')
  @HttpCode(200)
  approve(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() p: Principal): Promise<Unserialized<ApprovedPasswordReset | ApprovedRoleGrant>> {
    return this.approvals.approve('role_grant', id, p);
  }

  @Post(':id/reject')
  @HttpCode(200)
  reject(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() p: Principal): Promise<RejectedApproval> {
    return this.approvals.reject('role_grant', id, p);
  }
}
