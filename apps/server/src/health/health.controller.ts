import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/public.decorator.js';
import { Db } from '../database/db.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { HealthStatus } from '@crm/shared';

@Controller('api/health')
export class HealthController {
  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** 200 `{ status: "ok", db: "ok", version, schemaVersion }` (the latest applied migration), or 503 with `db: "down"` when the database does not answer in 2 s. */
  @Public()
  @Get()
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthStatus> {
    // The schema version is read each time: in a rolling upgrade another process may have migrated.
    const schema = await Promise.race([
      this.db.query<{ name: string }>('SELECT name FROM crm.migrations ORDER BY id DESC LIMIT 1').then((rows) => ({ version: rows[0]?.name ?? null }), () => null),
      new Promise<null>((r) => setTimeout(() => r(null), 2000).unref()),
    ]);
    const dbOk = schema !== null;
    if (!dbOk) void reply.status(503);
    return { status: dbOk ? 'ok' : 'error' as const, db: dbOk ? 'ok' : 'down' as const, version: this.config.version, schemaVersion: schema?.version ?? null };
  }
}
