/** Bulk imports (`/api/imports`): the options part of the multipart upload, the preview, and the status answer. */
import { z } from 'zod';
import { Key } from './common.js';

export const IMPORT_ENCODINGS = ['utf-8', 'gbk', 'gb18030'] as const;
export const ImportEncoding = z.enum(IMPORT_ENCODINGS);

/**
 * A mapping target: a field key, or `<relation field>.<key field of the target object>` (the
 * relation is resolved by that key, e.g. `customer.id_number`), or empty (the column is skipped).
 */
export const ImportTarget = z.string().max(130).regex(/^$|^[a-z][a-z0-9_]{0,62}(\.[a-z][a-z0-9_]{0,62})?$/);

export const ImportOptions = z.object({
  object: Key,
  mapping: z.record(z.string().max(200), ImportTarget).refine((m) => Object.keys(m).length <= 500, 'at most 500 columns'),
  mode: z.enum(['insert', 'upsert']).default('insert'),
  /** upsert: the field whose value finds the existing record (sensitive fields through their search hash). */
  key: Key.optional(),
  encoding: ImportEncoding.optional(),
  dryRun: z.boolean().optional(),
}).strict().refine((o) => o.mode !== 'upsert' || !!o.key, { message: 'upsert needs a key', path: ['key'] });
export type ImportOptions = z.infer<typeof ImportOptions>;
export type ImportOptionsInput = z.input<typeof ImportOptions>;

/** The options part of a preview upload: the object (for auto-mapping) and the encoding. */
export const ImportPreviewOptions = z.object({ object: Key, encoding: ImportEncoding.optional() }).strict();
export type ImportPreviewOptions = z.infer<typeof ImportPreviewOptions>;

export const ImportStartedSchema = z.object({ id: z.string().uuid(), jobId: z.string().uuid(), repeated: z.boolean().optional() });
export type ImportStarted = z.infer<typeof ImportStartedSchema>;

export const ImportRowErrorSchema = z.object({ row: z.number().int(), column: z.string().nullable(), code: z.string(), message: z.string() });
export type ImportRowError = z.infer<typeof ImportRowErrorSchema>;

export const ImportStatusSchema = z.object({
  id: z.string().uuid(),
  object: z.string(),
  status: z.enum(['queued', 'running', 'done', 'failed']),
  dryRun: z.boolean(),
  mode: z.enum(['insert', 'upsert']),
  total: z.number().int(),
  /** Data rows handled so far (the progress bar's numerator). */
  processed: z.number().int(),
  inserted: z.number().int(),
  updated: z.number().int(),
  rejected: z.number().int(),
  /** The first errors (at most 1000; the rejected-rows file has them all). */
  errors: z.array(ImportRowErrorSchema),
  error: z.string().nullable().optional(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type ImportStatus = z.infer<typeof ImportStatusSchema>;

export const ImportPreviewSchema = z.object({
  format: z.enum(['csv', 'xlsx']),
  encoding: ImportEncoding.nullable(),
  columns: z.array(z.string()),
  /** The first rows as text, column by column. */
  rows: z.array(z.array(z.string())),
  /** column → field, auto-matched by label (zh-CN or en) or key, or the mapping last used on this object. */
  mapping: z.record(z.string(), z.string()),
  fields: z.array(z.object({ key: z.string(), label: z.string(), type: z.string(), required: z.boolean() })),
});
export type ImportPreview = z.infer<typeof ImportPreviewSchema>;
