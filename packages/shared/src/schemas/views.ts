/**
 * Saved list views (`/api/views`): a named filter, sort, columns and view type of one object's list,
 * personal or shared with roles. A caller sees their own views and those shared with one of their
 * roles; only the owner (or a holder of `designer`) changes or deletes one.
 */
import { z } from 'zod';
import { KEY_PATTERN } from './common.js';

export const VIEW_TYPES = ['list', 'kanban', 'calendar'] as const;
/** How many views one user may own (all objects). */
export const MAX_VIEWS_PER_USER = 200;

const definition = {
  name: z.string().trim().min(1).max(100),
  /** The records filter (`/api/records/:object?filter=`), checked against the fields the caller may filter on. */
  filter: z.record(z.string(), z.unknown()).default({}),
  sort: z.string().max(200).optional(),
  columns: z.array(z.string().regex(KEY_PATTERN)).max(100).default([]),
  /** `kanban`: columns by the options of the select field `field`; `calendar`: records on the day of the date field `field`. */
  type: z.enum(VIEW_TYPES).default('list'),
  field: z.string().regex(KEY_PATTERN).optional(),
  /** Roles the view is shared with (empty: personal). */
  roles: z.array(z.string().regex(KEY_PATTERN)).max(50).default([]),
};

export const ViewBody = z.object({ object: z.string().regex(KEY_PATTERN), ...definition }).strict();
export const ViewPatchBody = z
  .object({
    name: definition.name,
    filter: z.record(z.string(), z.unknown()),
    sort: z.string().max(200).nullable(),
    columns: definition.columns.removeDefault(),
    type: z.enum(VIEW_TYPES),
    field: z.string().regex(KEY_PATTERN).nullable(),
    roles: definition.roles.removeDefault(),
  })
  .partial()
  .strict();
export const ViewListQuery = z.object({ object: z.string().regex(KEY_PATTERN).optional() }).strict();

export const ViewSchema = z.strictObject({
  id: z.string().uuid(),
  object: z.string(),
  name: z.string(),
  filter: z.record(z.string(), z.unknown()),
  sort: z.string().nullable(),
  columns: z.array(z.string()),
  type: z.enum(VIEW_TYPES),
  field: z.string().nullable(),
  roles: z.array(z.string()),
  /** Whether the caller owns it. */
  mine: z.boolean(),
  /** Whether the caller may change or delete it (its owner, or a designer). */
  editable: z.boolean(),
  version: z.number().int(),
  updatedAt: z.string(),
});

export type ViewInput = z.input<typeof ViewBody>;
export type ViewPatch = z.input<typeof ViewPatchBody>;
export type SavedView = z.infer<typeof ViewSchema>;
