/** Solution templates (`/api/templates`): what a pack holds, its installation, its role definitions. */
import { z } from 'zod';
import { Key, LocalizedTextSchema, Timestamp } from './common.js';
import { PermissionSchema } from './admin.js';

export const ApplyRolesBody = z.object({ roles: z.array(Key).min(1).max(50) }).strict();


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
});
export const ApplyRolesResultSchema = z.strictObject({ applied: z.array(z.string()), roleDifferences: z.array(RoleDifferenceSchema) });
