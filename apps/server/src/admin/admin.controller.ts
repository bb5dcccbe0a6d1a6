import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { AdminService } from './admin.service.js';
import { RequireRight, PLATFORM_RIGHTS } from '../access/platform-rights.js';
import { parseInput } from '../common/validation.js';
import { AppError } from '../common/app-error.js';
import { isStrongPassword } from '../config/config.js';
import { OBJECT_ACTIONS } from '../access/permission.types.js';
import type { Permission } from '../access/permission.types.js';
import { CurrentUser, type Principal } from '../auth/principal.js';

const RoleKey = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/);
const Password = z.string().max(256).refine(isStrongPassword, { message: 'at least 8 characters with upper and lower case, a digit and a symbol' });
const Scope = z.union([z.enum(['own', 'team', 'org_unit', 'org_subtree', 'all']), z.object({ filter: z.record(z.string(), z.unknown()) }).strict()]);
const PermissionShape = z.object({
  object: z.union([RoleKey, z.literal('*')]),
  actions: z.array(z.enum(OBJECT_ACTIONS)).max(5),
  scope: Scope,
  fields: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,62}$/), z.enum(['write', 'read', 'masked', 'none'])).optional(),
  unmask: z.boolean().optional(),
}).strict();
const Platform = z.array(z.enum(PLATFORM_RIGHTS)).max(PLATFORM_RIGHTS.length);

const CreateUser = z.object({
  username: z.string().regex(/^[A-Za-z0-9_.@-]{2,64}$/),
  password: Password,
  displayName: z.string().max(100).optional(),
  roles: z.array(RoleKey).max(50),
  orgUnitId: z.string().uuid().nullable().optional(),
}).strict();
const UpdateUser = z.object({
  roles: z.array(RoleKey).max(50).optional(),
  orgUnitId: z.string().uuid().nullable().optional(),
  disabled: z.boolean().optional(),
  displayName: z.string().max(100).optional(),
  password: Password.optional(),
}).strict();
const CreateRole = z.object({
  key: RoleKey,
  name: z.string().min(1).max(100),
  description: z.string().max(1000).optional(),
  permissions: z.array(PermissionShape).max(500),
  platform: Platform.optional(),
}).strict();
const UpdateRole = z.object({
  name: z.string().min(1).max(100).optional(),
  description: z.string().max(1000).optional(),
  permissions: z.array(PermissionShape).max(500).optional(),
  platform: Platform.optional(),
}).strict();
const OrgCreate = z.object({
  name: z.string().min(1).max(200),
  parentId: z.string().uuid().nullable().optional(),
  code: z.string().max(50).optional(),
  kind: z.enum(['head_office', 'branch', 'sub_branch', 'team', 'department']).optional(),
}).strict();
const OrgUpdate = z.object({
  name: z.string().min(1).max(200).optional(),
  parentId: z.string().uuid().nullable().optional(),
  code: z.string().max(50).optional(),
  disabled: z.boolean().optional(),
}).strict();
const ListQuery = z.object({
  search: z.string().max(100).optional(),
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

  @Patch(':id')
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown, @CurrentUser() p: Principal) {
    return this.admin.updateUser(id, parseInput(UpdateUser, body), p.id);
  }
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
