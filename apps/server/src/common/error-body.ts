/**
 * Turns anything thrown into the public error body `{ error: { code, message, details? } }` and a
 * status. Unknown errors become 500 with a generic message: no stack trace or SQL leaves the server.
 */
import { HttpException } from '@nestjs/common';
import { AppError } from './app-error.js';
import { translate, type Lang } from './i18n.js';
import type { ErrorBody as SharedErrorBody } from '@crm/shared';

/** The public error body: the shared contract's. */
export type ErrorBody = SharedErrorBody;

export interface MappedError {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
  /** true when the error is ours to log as a server fault. */
  internal: boolean;
}

const PG_TIMEOUT = '57014';
const PG_CONN = new Set(['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001', '08003']);

export function mapError(err: unknown, lang: Lang, requestId: string): MappedError {
  if (err instanceof AppError) {
    const details = typeof err.details === 'function' ? err.details(lang) : err.details;
    return {
      status: err.status,
      body: { error: { code: err.code, message: translate(err.code, lang, err.params), ...(details ? { details } : {}) } },
      headers: err.headers,
      internal: false,
    };
  }
  const e = err as { statusCode?: number; code?: string; message?: string; name?: string };
  // Fastify's own errors (body parser, size limit, content type).
  if (typeof e.code === 'string' && e.code.startsWith('FST_')) {
    const status = e.statusCode ?? 400;
    const code =
      e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'common.payload_too_large'
      : e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'common.unsupported_media_type'
      : e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'common.invalid_json'
      : 'common.bad_request';
    return { status, body: { error: { code, message: translate(code, lang) } }, internal: false };
  }
  if (e.name === 'SyntaxError' && e.statusCode === 400) {
    return { status: 400, body: { error: { code: 'common.invalid_json', message: translate('common.invalid_json', lang) } }, internal: false };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    // Nest re-wraps Fastify's body-parser errors as HttpException and drops their code: a 400 about JSON is one.
    const parserJson = status === 400 && /JSON/.test(err.message);
    const code = parserJson ? 'common.invalid_json' : status === 404 ? 'common.not_found' : status === 403 ? 'common.forbidden' : status === 401 ? 'auth.unauthenticated' : status === 413 ? 'common.payload_too_large' : status === 429 ? 'common.too_many_requests' : status >= 500 ? 'common.internal' : 'common.bad_request';
    return { status, body: { error: { code, message: translate(code, lang, { requestId }) } }, internal: status >= 500 };
  }
  if (e.code === PG_TIMEOUT) {
    return { status: 503, body: { error: { code: 'common.timeout', message: translate('common.timeout', lang) } }, internal: false };
  }
  if (typeof e.code === 'string' && PG_CONN.has(e.code)) {
    return { status: 503, body: { error: { code: 'db.unavailable', message: translate('db.unavailable', lang) } }, internal: true };
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = e.statusCode === 413 ? 'common.payload_too_large' : e.statusCode === 415 ? 'common.unsupported_media_type' : 'common.bad_request';
    return { status: e.statusCode, body: { error: { code, message: translate(code, lang) } }, internal: false };
  }
  return {
    status: 500,
    body: { error: { code: 'common.internal', message: translate('common.internal', lang, { requestId }) } },
    internal: true,
  };
}
