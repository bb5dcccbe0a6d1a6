/** Users, roles and org units (`/api/admin/*`). */
import { z } from 'zod';
import { Key, plainText, StrongPassword, Timestamp, withoutNul } from './common.js';
import { OBJECT_ACTIONS, PLATFORM_RIGHTS } from '../rights.js';
import { UserSummarySchema } from './auth.js';

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

// ---------------------------------------------------------------- answers

export const RoleSchema = z.strictObject({
  key: z.string(),
  name: z.string(),
  description: z.string().nullable().optional(),
  permissions: z.array(PermissionSchema),
  platform: z.array(z.enum(PLATFORM_RIGHTS)).optional(),
  /** Created by the platform or a pack rather than by a security administrator. */
  builtin: z.boolean().optional(),
  updatedAt: Timestamp.optional(),
});

export const AdminUserSchema = UserSummarySchema.extend({
  orgUnitId: z.string().nullable().optional(),
  disabled: z.boolean().optional(),
  /** A technical account for systems: API keys only, never a password sign-in, no duty. */
  serviceAccount: z.boolean().optional(),
  /** Holds a temporary password that must be changed at the next sign-in. */
  changeOnNextLogin: z.boolean().optional(),
  createdAt: Timestamp.optional(),
  updatedAt: Timestamp.optional(),
  lastLoginAt: Timestamp.nullable().optional(),
});

export const APPROVAL_KINDS = ['password_reset', 'role_grant'] as const;
/** A four-eyes request: a reset of, or a duty grant to, an authorisation or audit duty holder. */
export const PendingApprovalSchema = z.strictObject({
  id: z.string(),
  kind: z.enum(APPROVAL_KINDS),
  userId: z.string(),
  username: z.string(),
  requestedBy: z.string(),
  requestedByName: z.string(),
  requestedAt: Timestamp,
  status: z.enum(['pending', 'approved', 'rejected']),
  /** role_grant: the user change waiting for approval. */
  change: UpdateUserBody.partial().optional(),
});
/** 202: the change waits for a second person of another duty. */
export const PendingReplySchema = z.strictObject({ status: z.literal('pending'), message: z.string(), approval: PendingApprovalSchema });
/** A temporary password, shown once; never stored in clear. */
export const PasswordResetResultSchema = z.strictObject({
  userId: z.string(),
  temporaryPassword: z.string(),
  revokedApiKeys: z.number().int(),
  changeOnNextLogin: z.literal(true).optional(),
});
/** An approved password reset: the temporary password for the approver to hand over. */
export const ApprovedPasswordResetSchema = PasswordResetResultSchema.extend({ id: z.string(), status: z.literal('approved') });
/** An approved duty grant: the user as changed. */
export const ApprovedRoleGrantSchema = z.strictObject({ id: z.string(), status: z.literal('approved'), user: AdminUserSchema });
export const RejectedApprovalSchema = z.strictObject({ id: z.string(), status: z.literal('rejected') });

export const OrgUnitSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  parentId: z.string().nullable(),
  kind: z.string().nullable().optional(),
  code: z.string().nullable().optional(),
  /** Ids from the root down to this unit. */
  path: z.array(z.string()).optional(),
  disabled: z.boolean().optional(),
});

/** `GET /api/directory/users`: the staff directory for pickers (assignee, candidates, user fields) — names only. */
export const DirectoryQuery = z.object({
  search: plainText().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const DirectoryUserSchema = z.strictObject({ id: z.string(), username: z.string(), displayName: z.string().nullable() });
