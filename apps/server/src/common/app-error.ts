/**
 * The one error type services throw. `code` selects the translated message; `details` carries
 * per-field problems `{ path, code, message }`. Messages never contain internal data.
 */
import type { ErrorDetail as ContractErrorDetail } from '@crm/shared';

/**
 * One problem of an error answer: the shared contract's detail (`path`, a process or decision model's
 * `elementId`, or the 1-based `line`/`column` where its XML does not parse), of which the server always writes `code` and `message`.
 */
export type ErrorDetail = ContractErrorDetail & Required<Pick<ContractErrorDetail, 'code' | 'message'>>;

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
