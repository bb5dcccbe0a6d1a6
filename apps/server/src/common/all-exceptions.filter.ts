/** The one exception filter: every error leaves as `{ error: { code, message, details? } }`. */
import { ArgumentsHost, Catch, type ExceptionFilter, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mapError } from './error-body.js';
import { langFrom } from './i18n.js';
import { AppError } from './app-error.js';
import type { SpaFallback } from './spa-fallback.js';
import { IdempotentReplay } from '../idempotency/idempotency.guard.js';

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  constructor(private readonly spa: SpaFallback | null) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    // Unknown non-API GETs belong to the single-page web app.
    if (exception instanceof NotFoundException && this.spa && this.spa.handles(req)) {
      this.spa.send(reply);
      return;
    }
    // A repeat of a request sent with the same Idempotency-Key: the first answer, as it was.
    if (exception instanceof IdempotentReplay) {
      void reply.status(exception.statusCode).header('idempotent-replayed', 'true');
      if (exception.contentType) void reply.header('content-type', exception.contentType);
      void reply.send(exception.body);
      return;
    }
    let err = exception;
    if (exception instanceof NotFoundException && !(exception.getResponse() as { crm?: boolean })?.crm) {
      // Nest raises NotFoundException for unknown routes: say which route.
      err = new AppError(404, 'common.route_not_found', { method: req.method, path: req.url.split('?')[0] });
    }
    const mapped = mapError(err, langFrom(req.headers['accept-language']), String(req.id));
    if (mapped.internal) req.log.error({ err: exception }, 'request failed');
    if (mapped.headers) void reply.headers(mapped.headers);
    void reply.status(mapped.status).header('content-type', 'application/json; charset=utf-8').send(mapped.body);
  }
}
