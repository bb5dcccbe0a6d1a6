/**
 * The one error type services throw. `code` selects the translated message; `details` carries
 * per-field problems `{ path, code, message }`. Messages never contain internal data.
 */
export interface ErrorDetail {
  path?: string;
  code: string;
  message: string;
  /** A process or decision model's element, or the 1-based position where its XML does not parse. */
  elementId?: string;
  line?: number;
  column?: number;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly params: Record<string, unknown> = {},
    readonly details?: ErrorDetail[] | ((lang: 'zh-CN' | 'en') => ErrorDetail[]),
    readonly headers?: Record<string, string>,
  ) {
    super(code);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, params?: Record<string, unknown>, details?: AppError['details']) =>
  new AppError(400, code, params, details);
export const notFound = (code = 'common.not_found', params?: Record<string, unknown>) => new AppError(404, code, params);
export const forbidden = (code = 'common.forbidden', params?: Record<string, unknown>) => new AppError(403, code, params);
export const conflict = (code: string, params?: Record<string, unknown>, details?: AppError['details']) =>
  new AppError(409, code, params, details);
