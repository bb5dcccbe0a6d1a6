/**
 * Text inputs that end up in PostgreSQL text columns, logs and audit entries: control characters
 * (NUL above all, which PostgreSQL refuses with an error) are a 400 at the edge, never a 500 later.
 */
import { z } from 'zod';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

export const hasControlCharacters = (s: string): boolean => CONTROL.test(s);

/** A string without control characters (tabs and newlines included: these are one-line names). */
export const plainText = () => z.string().refine((s) => !hasControlCharacters(s), { message: 'must not contain control characters' });

/** Any JSON value (e.g. a filter stored as jsonb, which cannot hold NUL) without a NUL anywhere inside. */
export const withoutNul = <T extends z.ZodType>(schema: T) =>
  schema.refine((v) => !JSON.stringify(v).includes('\\u0000'), { message: 'must not contain NUL characters' });
