/** Request-shape validation at the edge with zod: a bad shape is a 400 naming every problem. */
import type { z } from 'zod';
import { AppError, type ErrorDetail } from './app-error.js';

export function toPointer(path: readonly PropertyKey[]): string {
  return path.length ? '/' + path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/') : '';
}

export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const res = schema.safeParse(input ?? {});
  if (res.success) return res.data;
  const details: ErrorDetail[] = res.error.issues.map((i) => ({ path: toPointer(i.path), code: i.code, message: i.message }));
  throw new AppError(400, 'common.validation_failed', {}, details);
}
