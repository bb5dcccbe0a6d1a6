/** Record lists, queries and export (`/api/records/:object`). Record values are checked by the form engine. */
import { z } from 'zod';

/** The most records one page may hold. */
export const MAX_PAGE_LIMIT = 500;

export const RecordListQuery = z.object({
  filter: z.string().max(20000).optional(),
  sort: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).optional(),
  cursor: z.string().max(2000).optional(),
  fields: z.string().max(2000).optional(),
  total: z.enum(['true', 'false']).optional(),
  /** `true`: each record carries `$display`, the titles of its relation / user / org-unit targets. */
  display: z.enum(['true', 'false']).optional(),
}).strict();
/** `GET /api/records/:object/:id`: `display=true` adds `$display`. */
export const RecordGetQuery = z.object({ display: z.enum(['true', 'false']).optional() }).strict();
export const RecordExportQuery = RecordListQuery.omit({ limit: true, cursor: true, total: true, display: true }).extend({ format: z.enum(['csv', 'xlsx']).default('csv') });
export const RecordQueryBody = z.object({
  filter: z.record(z.string(), z.unknown()).optional(),
  sort: z.string().max(500).optional(),
  limit: z.number().int().min(1).max(MAX_PAGE_LIMIT).optional(),
  cursor: z.string().max(2000).optional(),
  fields: z.array(z.string().max(63)).max(500).optional(),
  total: z.boolean().optional(),
  display: z.boolean().optional(),
}).strict();
/** Field values of a record: checked against the object's fields by the form engine. */
export const RecordValuesBody = z.record(z.string(), z.unknown());

/**
 * What a screen shows for a relation, user or org-unit field instead of the id it holds: the
 * target's title as the caller may see it; `restricted` (no title) when they may not read it.
 */
export const DisplayValueSchema = z.strictObject({ title: z.string().nullable(), restricted: z.boolean() });
/** The key of a record's display values (no field key starts with `$`). */
export const RECORD_DISPLAY_KEY = '$display';
export const RecordSchema = z
  .object({ id: z.string().uuid(), version: z.number().int(), [RECORD_DISPLAY_KEY]: z.record(z.string(), DisplayValueSchema).optional() })
  .catchall(z.unknown());
/** `total` (asked with `total=true`) counts at most 100,000 rows: past that it is 100,000 and `totalCapped` is true. */
export const RecordPageSchema = z.object({ items: z.array(RecordSchema), nextCursor: z.string().nullable(), total: z.number().int().optional(), totalCapped: z.boolean().optional() });
/** `POST /api/files`: the stored attachment (its id is what an attachment field holds). */
export const UploadedFileSchema = z.strictObject({ id: z.string().uuid(), name: z.string(), size: z.number().int(), contentType: z.string(), sha256: z.string() });

/** The most records one bulk change names. */
export const MAX_BULK_IDS = 500;
/**
 * `POST /api/records/:object/bulk`: the same change to many records, each written as a single change
 * is (rights, row scope, field modes, validation and object rules, audit). `set`: field values (and
 * `owner_id`, the record's owner); `addTags`: values added to a tags field, keeping the ones there.
 */
export const RecordBulkBody = z
  .object({
    ids: z.array(z.string().uuid()).min(1).max(MAX_BULK_IDS),
    set: z.record(z.string(), z.unknown()).optional(),
    addTags: z.strictObject({ field: z.string().max(63), tags: z.array(z.string().trim().min(1).max(100)).min(1).max(50) }).optional(),
  })
  .strict()
  .refine((b) => b.set !== undefined || b.addTags !== undefined, { message: 'set or addTags', path: ['set'] });
/** Per record: the ids changed, and each refused one with its reason (in the caller's language). */
export const RecordBulkResultSchema = z.strictObject({
  updated: z.array(z.string()),
  failed: z.array(z.strictObject({ id: z.string(), message: z.string() })),
});
export type RecordBulkResult = z.infer<typeof RecordBulkResultSchema>;
/** `GET /api/records/:object/assignees`: users the caller may hand records to (their org unit and below). */
export const AssigneeQuery = z.object({ q: z.string().trim().max(50).optional() }).strict();
export const AssigneeSchema = z.strictObject({ id: z.string().uuid(), name: z.string() });
