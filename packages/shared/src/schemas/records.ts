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
export const RecordPageSchema = z.object({ items: z.array(RecordSchema), nextCursor: z.string().nullable(), total: z.number().int().optional() });
/** `POST /api/files`: the stored attachment (its id is what an attachment field holds). */
export const UploadedFileSchema = z.strictObject({ id: z.string().uuid(), name: z.string(), size: z.number().int(), contentType: z.string(), sha256: z.string() });
