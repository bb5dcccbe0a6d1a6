/**
 * Liveness and readiness for load balancers and orchestrators, next to the plain `/api/health`:
 * `live` says the process answers; `ready` says it should get traffic (database reachable, every
 * migration this code knows applied, not shutting down) and turns 503 at once after SIGTERM.
 */
import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/public.decorator.js';
import { Db } from '../database/db.js';
import { migrations } from '../database/migrations/index.js';
import { Lifecycle } from './lifecycle.js';
import type { Liveness, Readiness } from '@crm/shared';

const KNOWN_MIGRATIONS = migrations.map((M) => new M().name ?? M.name);
const DB_WAIT_MS = 2000;

@Controller('api/health')
export class ReadinessController {
  constructor(
    private readonly db: Db,
    private readonly lifecycle: Lifecycle,
  ) {}

  /** Never looks at the database, so an orchestrator does not restart processes for a database outage. */
  @Public()
  @Get('live')
  live(): Liveness {
    return { status: 'ok' as const };
  }

  @Public()
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<Readiness> {
    const shuttingDown = this.lifecycle.shuttingDown;
    const applied = shuttingDown ? undefined : await this.appliedMigrations();
    const migrationsDone = applied !== undefined && KNOWN_MIGRATIONS.every((m) => applied.has(m));
    const ok = !shuttingDown && migrationsDone;
    if (!ok) void reply.status(503);
    return {
      status: ok ? 'ready' : 'not_ready',
      shuttingDown,
      db: shuttingDown ? 'unknown' : applied !== undefined ? 'ok' : 'down',
      migrations: migrationsDone ? 'ok' : 'pending',
    };
  }

  /** The applied migration names, or undefined when the database does not answer in time. */
  private async appliedMigrations(): Promise<Set<string> | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, DB_WAIT_MS, undefined);
    });
    const query = this.db.query<{ name: string }>('SELECT name FROM crm.migrations').then(
      (rows) => new Set(rows.map((r) => r.name)),
      () => undefined,
    );
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
