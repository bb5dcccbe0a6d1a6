/** Users, roles and org units (`/api/admin/*`). */
import { z } from 'zod';
import { Key, plainText, StrongPassword, withoutNul } from './common.js';
import { OBJECT_ACTIONS, PLATFORM_RIGHTS } from '../rights.js';

export const RoleKey = Key;
export const ROW_SCOPES = ['own', 'team', 'org_unit', 'org_subtree', 'all'] as const;
export const FIELD_ACCESS_MODES = ['write', 'read', 'masked', 'none'] as const;

export const ScopeSchema = z.union([z.enum(ROW_SCOPES), z.object({ filter: withoutNul(z.record(z.string(), z.unknown())) }).strict()]);
export const PermissionSchema = z.object({
  /** An object key, or "*" for every object. */
  object: z.union([RoleKey, z.literal('*')]),
  actions: z.array(z.enum(OBJECT_ACTIONS)).max(5),
  scope: ScopeSchema,
  fields: z.record(Key, z.enum(FIELD_ACCESS_MODES)).optional(),
  unmask: z.boolean().optional(),
}).strict();
export const PlatformRightsSchema = z.array(z.enum(PLATFORM_RIGHTS)).max(PLATFORM_RIGHTS.length);

// A person signs in with a password; a service account (a system) never does and gets API keys instead.
export const CreateUserBody = z.object({
  username: z.string().regex(/^[A-Za-z0-9_.@-]{2,64}$/),
  password: StrongPassword.optional(),
  serviceAccount: z.boolean().optional(),
  displayName: plainText().max(100).optional(),
  roles: z.array(RoleKey).max(50),
  orgUnitId: z.string().uuid().nullable().optional(),
}).strict().superRefine((u, ctx) => {
  if (u.serviceAccount && u.password !== undefined) ctx.addIssue({ code: 'custom', path: ['password'], message: 'a service account has no password' });
  if (!u.serviceAccount && u.password === undefined) ctx.addIssue({ code: 'custom', path: ['password'], message: 'required' });
});
export const UpdateUserBody = z.object({
  roles: z.array(RoleKey).max(50).optional(),
  orgUnitId: z.string().uuid().nullable().optional(),
  disabled: z.boolean().optional(),
  displayName: plainText().max(100).optional(),
}).strict();
export const UserListQuery = z.object({
  search: plainText().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(100000).default(0),
}).strict();

export const CreateRoleBody = z.object({
  key: RoleKey,
  name: plainText().min(1).max(100),
  description: plainText().max(1000).optional(),
  permissions: z.array(PermissionSchema).max(500),
  platform: PlatformRightsSchema.optional(),
}).strict();
export const UpdateRoleBody = z.object({
  name: plainText().min(1).max(100).optional(),
  description: plainText().max(1000).optional(),
  permissions: z.array(PermissionSchema).max(500).optional(),
  platform: PlatformRightsSchema.optional(),
}).strict();

export const CreateOrgUnitBody = z.object({
  name: plainText().min(1).max(200),
  parentId: z.string().uuid().nullable().optional(),
  code: plainText().max(50).optional(),
  kind: z.enum(['head_office', 'branch', 'sub_branch', 'team', 'department']).optional(),
}).strict();
export const UpdateOrgUnitBody = z.object({
  name: plainText().min(1).max(200).optional(),
  parentId: z.string().uuid().nullable().optional(),
  code: plainText().max(50).optional(),
  disabled: z.boolean().optional(),
}).strict();

export const RoleSchema = z.object({
  key: z.string(),
  name: z.string(),
  description: z.string().nullable().optional(),
  permissions: z.array(PermissionSchema),
  platform: z.array(z.enum(PLATFORM_RIGHTS)).optional(),
}).passthrough();
