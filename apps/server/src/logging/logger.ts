/** Structured logs (pino). Credentials are redacted wherever they could appear. */
import pino, { type Logger } from 'pino';
import type { LoggerService } from '@nestjs/common';

export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'headers.authorization',
  '*.password', '*.accessToken', '*.token', '*.secret', '*.key', 'password', 'accessToken', 'secret',
  '*.temporaryPassword', '*.currentPassword', '*.newPassword', 'temporaryPassword',
];

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'bank-crm' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: {
      // Query strings carry filter values (ID numbers, phone numbers): log the path only.
      req: (req: { method?: string; url?: string; id?: unknown; ip?: string }) => ({
        method: req.method,
        path: typeof req.url === 'string' ? req.url.split('?')[0] : undefined,
        ip: req.ip,
      }),
      err: pino.stdSerializers.err,
    },
  });
}

/** Routes Nest's own framework messages into pino. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) { this.logger.debug({ context }, String(message)); }
  error(message: unknown, trace?: string, context?: string) { this.logger.error({ context, trace }, String(message)); }
  warn(message: unknown, context?: string) { this.logger.warn({ context }, String(message)); }
  debug(message: unknown, context?: string) { this.logger.debug({ context }, String(message)); }
  verbose(message: unknown, context?: string) { this.logger.trace({ context }, String(message)); }
}
