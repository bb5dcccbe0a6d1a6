import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AdminService } from './admin.service.js';
import { RequireRight, PLATFORM_RIGHTS } from '../access/platform-rights.js';
import { parseInput } from '../common/validation.js';
import { AppError } from '../common/app-error.js';
import { isStrongPassword } from '../config/config.js';
import { OBJECT_ACTIONS } from '../access/permission.types.js';
import type { Permission } from '../access/permission.types.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { plainText, withoutNul } from '../common/plain-text.js';
import { translate, langFrom } from '../common/i18n.js';
import type { Approval } from './approvals.repository.js';

const RoleKey = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/);
const Password = z.string().max(256).refine(isStrongPassword, { message: 'at least 8 characters with upper and lower case, a digit and a symbol' });
const Scope = z.union([z.enum(['own', 'team', 'org_unit', 'org_subtree', 'all']), z.object({ filter: withoutNul(z.record(z.string(), z.unknown())) }).strict()]);
const PermissionShape = z.object({
  object: z.union([RoleKey, z.literal('*')]),
  actions: z.array(z.enum(OBJECT_ACTIONS)).max(5),
  scope: Scope,
  fields: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,62}$/), z.enum(['write', 'read', 'masked', 'none'])).optional(),
  unmask: z.boolean().optional(),
}).strict();
const Platform = z.array(z.enum(PLATFORM_RIGHTS)).max(PLATFORM_RIGHTS.length);

// A person signs in with a password; a service account (a system) never does and gets API keys instead.
const CreateUser = z.object({
  username: z.string().regex(/^[A-Za-z0-9_.@-]{2,64}$/),
  password: Password.optional(),
  serviceAccount: z.boolean().optional(),
  displayName: plainText().max(100).optional(),
  roles: z.array(RoleKey).max(50),
  orgUnitId: z.string().uuid().nullable().optional(),
}).strict().superRefine((u, ctx) => {
  if (u.serviceAccount && u.password !== undefined) ctx.addIssue({ code: 'custom', path: ['password'], message: 'a service account has no password' });
  if (!u.serviceAccount && u.password === undefined) ctx.addIssue({ code: 'custom', path: ['password'], message: 'required' });
});
const UpdateUser = z.object({
  roles: z.array(RoleKey).max(50).optional(),
  orgUnitId: z.string().uuid().nullable().optional(),
  disabled: z.boolean().optional(),
  displayName: plainText().max(100).optional(),
}).strict();
const CreateRole = z.object({
  key: RoleKey,
  name: plainText().min(1).max(100),
  description: plainText().max(1000).optional(),
  permissions: z.array(PermissionShape).max(500),
  platform: Platform.optional(),
}).strict();
const UpdateRole = z.object({
  name: plainText().min(1).max(100).optional(),
  description: plainText().max(1000).optional(),
  permissions: z.array(PermissionShape).max(500).optional(),
  platform: Platform.optional(),
}).strict();
const OrgCreate = z.object({
  name: plainText().min(1).max(200),
  parentId: z.string().uuid().nullable().optional(),
  code: plainText().max(50).optional(),
  kind: z.enum(['head_office', 'branch', 'sub_branch', 'team', 'department']).optional(),
}).strict();
const OrgUpdate = z.object({
  name: plainText().min(1).max(200).optional(),
  parentId: z.string().uuid().nullable().optional(),
  code: plainText().max(50).optional(),
  disabled: z.boolean().optional(),
}).strict();
const ListQuery = z.object({
  search: plainText().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(100000).default(0),
}).strict();

@Controller('api/admin/users')
@RequireRight('admin.users')
export class UsersController {
  constructor(private readonly admin: AdminService) {}

  @Get()
  list(@Query() q: unknown) {
    return this.admin.users(parseInput(ListQuery, q));
  }

  @Post()
  create(@Body() body: unknown) {
    return this.admin.createUser(parseInput(CreateUser, body));
  }

  /** 200 with the user, or 202 with a pending request when the change grants the authorisation or audit duty. */
  @Patch(':id')
  async update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown, @CurrentUser() p: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    // Nobody sets another person's password: that is what the reset (a temporary password) is for.
    if (body && typeof body === 'object' && 'password' in body) {
      throw new AppError(400, 'admin.password_not_patchable', {}, [{ path: '/password', code: 'not_allowed', message: 'use POST /api/admin/users/:id/reset-password' }]);
    }
    const done = await this.admin.updateUser(id, parseInput(UpdateUser, body), p.id);
    return 'pending' in done ? pendingReply(reply, done.pending) : done.user;
  }

  /** 200 with a temporary password shown once, or 202 when the user holds a duty that needs a second approver. */
  @Post(':id/reset-password')
  @HttpCode(200)
  async resetPassword(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() p: Principal, @Res({ passthrough: true }) reply: FastifyReply) {
    const done = await this.admin.resetPassword(id, p.id);
    return 'pending' in done ? pendingReply(reply, done.pending) : { ...done, changeOnNextLogin: true };
  }
}

function pendingReply(reply: FastifyReply, approval: Approval) {
  void reply.status(202);
  const message = translate('admin.approval_pending', langFrom(reply.request.headers['accept-language']));
  return { status: 'pending', message, approval };
}

@Controller('api/admin/roles')
export class RolesController {
  constructor(private readonly admin: AdminService) {}

  /** Readable by every signed-in user: role names are not secret and forms pick them. */
  @Get()
  list() {
    return this.admin.roles();
  }

  @Get(':key')
  get(@Param('key') key: string) {
    if (!RoleKey.safeParse(key).success) throw new AppError(404, 'admin.role_not_found', { role: key.slice(0, 64) });
    return this.admin.role(key);
  }

  @Post()
  @RequireRight('admin.roles')
  create(@Body() body: unknown) {
    const input = parseInput(CreateRole, body);
    return this.admin.createRole({ ...input, permissions: input.permissions as Permission[] });
  }

  @Patch(':key')
  @RequireRight('admin.roles')
  update(@Param('key') key: string, @Body() body: unknown) {
    if (!RoleKey.safeParse(key).success) throw new AppError(404, 'admin.role_not_found', { role: key.slice(0, 64) });
    const input = parseInput(UpdateRole, body);
    return this.admin.updateRole(key, { ...input, permissions: input.permissions as Permission[] | undefined });
  }
}

@Controller('api/admin/org-units')
export class OrgUnitsController {
  constructor(private readonly admin: AdminService) {}

  @Get()
  list() {
    return this.admin.orgUnits();
  }

  @Post()
  @RequireRight('admin.org')
  create(@Body() body: unknown) {
    return this.admin.createOrgUnit(parseInput(OrgCreate, body));
  }

  @Patch(':id')
  @RequireRight('admin.org')
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown) {
    return this.admin.updateOrgUnit(id, parseInput(OrgUpdate, body));
  }
}
