/** Solution templates (`/api/templates`): what a pack holds, its installation, its role definitions. */
import { z } from 'zod';
import { Key, LocalizedTextSchema, Timestamp } from './common.js';
import { PermissionSchema } from './admin.js';

export const ApplyRolesBody = z.object({ roles: z.array(Key).min(1).max(50) }).strict();


/** A part of a solution pack an install or upgrade left as the bank has it. `part` is `<kind>:<key>` (object, field, form, process, decision, trigger, record). */
export const PackConflictSchema = z.strictObject({
  part: z.string(),
  reason: z.enum(['changed_on_both_sides', 'deleted_by_bank', 'no_baseline']),
  packVersion: z.string(),
  baseFingerprint: z.string().nullable(),
  bankFingerprint: z.string().nullable(),
  packFingerprint: z.string(),
  detectedAt: z.string().optional(),
});
/** `GET /api/admin/packs/:key/conflicts`: the parts the latest install of the pack did not apply. */
export const PackConflictsSchema = z.strictObject({
  key: z.string(),
  installed: z.strictObject({ version: z.string(), installedAt: z.string() }).nullable(),
  items: z.array(PackConflictSchema),
});
/** `POST /api/admin/packs/:key/conflicts/resolve`: the bank keeps its own version of these reported parts. */
export const ResolvePackConflictsBody = z.object({ parts: z.array(z.string().min(1).max(300)).min(1).max(500) }).strict();
export const ResolvedPackConflictsSchema = z.strictObject({ resolved: z.array(z.string()), items: z.array(PackConflictSchema) });

// ---------------------------------------------------------------- answers

export const TemplateInstallStateSchema = z.strictObject({ version: z.string(), installedAt: Timestamp });
export const TemplateSummarySchema = z.strictObject({
  key: z.string(),
  version: z.string(),
  name: LocalizedTextSchema,
  description: z.string().nullable(),
  /** null while the template is not installed. */
  installed: TemplateInstallStateSchema.nullable(),
});
/** A template's content by key (objects, forms, roles, processes), its parameters and its installation. */
export const TemplateSchema = TemplateSummarySchema.extend({
  parameters: z.record(z.string(), z.unknown()),
  objects: z.array(z.string()),
  forms: z.array(z.string()),
  roles: z.array(z.string()),
  processes: z.array(z.string()),
  /** The DMN files of the pack. */
  decisions: z.array(z.string()),
  views: z.array(z.record(z.string(), z.unknown())),
});
/** How an existing role differs from the pack's definition of it (reported at install, applied only on request). */
export const RoleDifferenceSchema = z.strictObject({
  role: z.string(),
  added: z.array(PermissionSchema),
  removed: z.array(PermissionSchema),
  platformAdded: z.array(z.string()),
});
export const InstallResultSchema = z.strictObject({
  key: z.string(),
  version: z.string(),
  changed: z.boolean(),
  changes: z.array(z.string()),
  /** Existing roles that differ from the pack's: reported, never applied (the security administrator decides). */
  roleDifferences: z.array(RoleDifferenceSchema),
  /** Pack migration steps run by this install (those not run before). */
  migrations: z.array(z.string()),
  /** Parts the bank changed and the pack did not: kept as the bank has them. */
  kept: z.array(z.string()),
  /** Parts changed on both sides (or with no record of what the pack installed): kept as the bank has them. */
  conflicts: z.array(PackConflictSchema),
  /** Parts the pack installed before and the bank deleted: not re-created. */
  skipped: z.array(z.string()),
});
export const ApplyRolesResultSchema = z.strictObject({ applied: z.array(z.string()), roleDifferences: z.array(RoleDifferenceSchema) });
