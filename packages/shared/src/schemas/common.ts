/** Building blocks of the request schemas: keys, labels, one-line text and the password policy. */
import { z } from 'zod';

/** The key of an object, field, form or role: what SQL identifiers and URLs are made of. */
export const KEY_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
export const Key = z.string().regex(KEY_PATTERN);

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export const hasControlCharacters = (s: string): boolean => CONTROL.test(s);

/**
 * A string without control characters (tabs and newlines included: these are one-line names). Such text
 * ends up in PostgreSQL text columns, logs and audit entries, where NUL is an error: a 400 at the edge.
 */
export const plainText = () => z.string().refine((s) => !hasControlCharacters(s), { message: 'must not contain control characters' });

/** Any JSON value (e.g. a filter stored as jsonb, which cannot hold NUL) without a NUL anywhere inside. */
export const withoutNul = <T extends z.ZodType>(schema: T) =>
  schema.refine((v) => !JSON.stringify(v).includes('\\u0000'), { message: 'must not contain NUL characters' });

/** At least 8 characters with upper and lower case, a digit and a symbol. */
export function isStrongPassword(pw: string): boolean {
  return pw.length >= 8 && /[a-z]/.test(pw) && /[A-Z]/.test(pw) && /\d/.test(pw) && /[^A-Za-z0-9]/.test(pw);
}

export const StrongPassword = z.string().max(256).refine(isStrongPassword, { message: 'at least 8 characters with upper and lower case, a digit and a symbol' });

/** A label in one language, or in several keyed by language tag. */
export const Label = z.union([
  z.string().min(1).max(200),
  z.object({ 'zh-CN': z.string().max(200).optional(), en: z.string().max(200).optional() }).strict(),
]);

/** Query-string paging: `limit` (1–500, default 100). */
export const pageLimit = (fallback = 100) => z.coerce.number().int().min(1).max(500).default(fallback);

/** `{ items }`: every list answer of the API has this shape. */
export const itemsOfSchema = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item) });

/** The body of every 4xx/5xx answer. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    /**
     * Every problem found, e.g. each invalid field of a record as `{ path, code, message }`; a process
     * or decision model names its element (`elementId`) or, when the XML does not parse, the 1-based
     * `line` and `column`.
     */
    details: z.array(z.object({
      path: z.string().optional(), code: z.string().optional(), message: z.string().optional(),
      elementId: z.string().optional(), line: z.number().int().optional(), column: z.number().int().optional(),
    })).optional(),
  }),
});

// ---------------------------------------------------------------- answers

/** A label as the server sends it: one string, or texts keyed by language tag. */
export const LocalizedTextSchema = z.union([z.string(), z.object({ 'zh-CN': z.string().optional(), en: z.string().optional() }).catchall(z.string().optional())]);

/** Any schema of the contract (for code that checks answers against it without importing zod itself). */
export type ContractSchema = z.ZodType;

/** A timestamp on the wire: ISO 8601 with offset (what `JSON.stringify` makes of a date). */
export const Timestamp = z.string();

/** `{ items, nextCursor, total? }`: a page of a cursor-paged list. */
export const pageOfSchema = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item), nextCursor: z.string().nullable(), total: z.number().int().optional() });

/** Routes that answer no JSON body: 204, a redirect, a file, a script or XML (their description says which). */
export const NO_JSON_BODY = 'no-json-body' as const;
