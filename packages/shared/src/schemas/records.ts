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
}).strict();
export const RecordExportQuery = RecordListQuery.omit({ limit: true, cursor: true, total: true }).extend({ format: z.enum(['csv', 'xlsx']).default('csv') });
export const RecordQueryBody = z.object({
  filter: z.record(z.string(), z.unknown()).optional(),
  sort: z.string().max(500).optional(),
  limit: z.number().int().min(1).max(MAX_PAGE_LIMIT).optional(),
  cursor: z.string().max(2000).optional(),
  fields: z.array(z.string().max(63)).max(500).optional(),
  total: z.boolean().optional(),
}).strict();
/** Field values of a record: checked against the object's fields by the form engine. */
export const RecordValuesBody = z.record(z.string(), z.unknown());

export const RecordSchema = z.object({ id: z.string().uuid(), version: z.number().int() }).catchall(z.unknown());
export const RecordPageSchema = z.object({ items: z.array(RecordSchema), nextCursor: z.string().nullable(), total: z.number().int().optional() });
/** `POST /api/files`: the stored attachment (its id is what an attachment field holds). */
export const UploadedFileSchema = z.strictObject({ id: z.string().uuid(), name: z.string(), size: z.number().int(), contentType: z.string(), sha256: z.string() });
