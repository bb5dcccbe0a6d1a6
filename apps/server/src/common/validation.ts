/** Request-shape validation at the edge with zod: a bad shape is a 400 naming every problem. */
import type { z } from 'zod';
import { AppError, type ErrorDetail } from './app-error.js';
import { hasMessage, translate, type Lang } from './i18n.js';

export function toPointer(path: readonly PropertyKey[]): string {
  return path.length ? '/' + path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/') : '';
}

export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const res = schema.safeParse(input ?? {});
  if (res.success) return res.data;
  // A rule whose message is a message code (e.g. the password rule) answers in the caller's language.
  const issues = res.error.issues;
  const details = (lang: Lang): ErrorDetail[] =>
    issues.map((i) => ({ path: toPointer(i.path), code: i.code, message: hasMessage(i.message) ? translate(i.message, lang) : i.message }));
  throw new AppError(400, 'common.validation_failed', {}, details);
}
