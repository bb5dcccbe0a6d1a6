import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  CreateOrgUnitBody, CreateRoleBody, CreateUserBody, RoleKey, UpdateOrgUnitBody, UpdateRoleBody, UpdateUserBody, UserListQuery,
  type AdminUser, type Items, type OrgUnit, type PasswordResetResult, type PendingReply, type Role, type Unserialized,
} from '@crm/shared';
import { AdminService } from './admin.service.js';
import { RequireRight } from '../access/platform-rights.js';
import { parseInput } from '../common/validation.js';
import { AppError } from '../common/app-error.js';
import type { Permission } from '../access/permission.types.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { translate, langFrom } from '../common/i18n.js';
import type { Approval } from './approvals.repository.js';

@Controller('api/admin/users')
@RequireRight('admin.users')
export class UsersController {
  constructor(private readonly admin: AdminService) {}

  @Get()
  list(@Query() q: unknown): Promise<Items<Unserialized<AdminUser>>> {
    return this.admin.users(parseInput(UserListQuery, q));
  }

  @Post()
  create(@Body() body: unknown): Promise<Unserialized<AdminUser>> {
    return this.admin.createUser(parseInput(CreateUserBody, body));
  }

  /** 200 with the user, or 202 with a pending request when the change grants the authorisation or audit duty. */
  @Patch(':id')
  async update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown, @CurrentUser() p: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<Unserialized<AdminUser | PendingReply>> {
    // Nobody sets another person's password: that is what the reset (a temporary password) is for.
    if (body && typeof body === 'object' && 'password' in body) {
      throw new AppError(400, 'admin.password_not_patchable', {}, [{ path: '/password', code: 'not_allowed', message: 'use POST /api/admin/users/:id/reset-password' }]);
    }
    const done = await this.admin.updateUser(id, parseInput(UpdateUserBody, body), p.id);
    return 'pending' in done ? pendingReply(reply, done.pending) : done.user;
  }

  /** 200 with a temporary password shown once, or 202 when the user holds a duty that needs a second approver. */
  @Post(':id/reset-password')
  @HttpCode(200)
  async resetPassword(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() p: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<Unserialized<PasswordResetResult | PendingReply>> {
    const done = await this.admin.resetPassword(id, p.id);
    return 'pending' in done ? pendingReply(reply, done.pending) : { ...done, changeOnNextLogin: true as const };
  }
}

function pendingReply(reply: FastifyReply, approval: Approval): Unserialized<PendingReply> {
  void reply.status(202);
  const message = translate('admin.approval_pending', langFrom(reply.request.headers['accept-language']));
  return { status: 'pending' as const, message, approval };
}

@Controller('api/admin/roles')
export class RolesController {
  constructor(private readonly admin: AdminService) {}

  /** Readable by every signed-in user: role names are not secret and forms pick them. */
  @Get()
  list(): Promise<Items<Unserialized<Role>>> {
    return this.admin.roles();
  }

  @Get(':key')
  get(@Param('key') key: string): Promise<Unserialized<Role>> {
    if (!RoleKey.safeParse(key).success) throw new AppError(404, 'admin.role_not_found', { role: key.slice(0, 64) });
    return this.admin.role(key);
  }

  @Post()
  @RequireRight('admin.roles')
  create(@Body() body: unknown): Promise<Unserialized<Role>> {
    const input = parseInput(CreateRoleBody, body);
    return this.admin.createRole({ ...input, permissions: input.permissions as Permission[] });
  }

  @Patch(':key')
  @RequireRight('admin.roles')
  update(@Param('key') key: string, @Body() body: unknown): Promise<Unserialized<Role>> {
    if (!RoleKey.safeParse(key).success) throw new AppError(404, 'admin.role_not_found', { role: key.slice(0, 64) });
    const input = parseInput(UpdateRoleBody, body);
    return this.admin.updateRole(key, { ...input, permissions: input.permissions as Permission[] | undefined });
  }
}

@Controller('api/admin/org-units')
export class OrgUnitsController {
  constructor(private readonly admin: AdminService) {}

  @Get()
  list(): Promise<Items<OrgUnit>> {
    return this.admin.orgUnits();
  }

  @Get(':id')
  one(@Param('id', new ParseUUIDPipe()) id: string): Promise<OrgUnit> {
    return this.admin.orgUnit(id);
  }

  @Post()
  @RequireRight('admin.org')
  create(@Body() body: unknown): Promise<OrgUnit> {
    return this.admin.createOrgUnit(parseInput(CreateOrgUnitBody, body));
  }

  @Patch(':id')
  @RequireRight('admin.org')
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown): Promise<OrgUnit> {
    return this.admin.updateOrgUnit(id, parseInput(UpdateOrgUnitBody, body));
  }
}
