import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/public.decorator.js';
import { Db } from '../database/db.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

@Controller('api/health')
export class HealthController {
  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** 200 `{ status: "ok", db: "ok" }`, or 503 with `db: "down"` when the database does not answer in 2 s. */
  @Public()
  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply) {
    const dbOk = await Promise.race([
      this.db.query('SELECT 1').then(() => true, () => false),
      new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref()),
    ]);
    if (!dbOk) void reply.status(503);
    return { status: dbOk ? 'ok' : 'error', db: dbOk ? 'ok' : 'down', version: this.config.version };
  }
}
