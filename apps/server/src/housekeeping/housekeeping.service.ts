/**
 * The housekeeping job: every CRM_HOUSEKEEPING_INTERVAL_MS it deletes what is past its time-to-live,
 * target by target, in batches of CRM_HOUSEKEEPING_BATCH rows, each batch its own short transaction
 * (no long locks). Across server processes one runs at a time: a batch first takes a transaction
 * advisory lock and the pass stops when another process holds it. The clock is injectable.
 */
import type { HousekeepingResult } from '@crm/shared';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Db } from '../database/db.js';
import { LOGGER } from '../logging/logger.token.js';
import { AuditService } from '../audit/audit.service.js';
import { ensureAuditPartitions } from '../audit/audit-archive.js';
import { RETENTION_TARGETS, type Policies, type RetentionTarget } from './retention-targets.js';
import { tryAdvisoryXactLock } from '../database/advisory-locks.js';

export const HOUSEKEEPING_CLOCK = Symbol('HOUSEKEEPING_CLOCK');
export type Clock = () => Date;

/** Rows deleted per kind; `busy` when another process was running housekeeping, so this pass stopped early. */
export type PassResult = HousekeepingResult;

@Injectable()
export class HousekeepingService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PassResult> | undefined;
  private stopped = true;
  /** Set at shutdown: a pass stops between batches. */
  private closing = false;

  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly audit: AuditService,
    @Inject(HOUSEKEEPING_CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.jobWorkers || this.config.retention.intervalMs === 0) return;
    this.stopped = false;
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.runOnce()
        .catch((err: unknown) => this.logger.warn({ err }, 'housekeeping pass failed'))
        .finally(() => this.schedule());
    }, this.config.retention.intervalMs);
    this.timer.unref();
  }

  /** One pass over every target (a pass already running in this process is joined, not doubled). */
  runOnce(): Promise<PassResult> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async policies(target: string): Promise<Policies> {
    const rows = await this.db.query<{ scope: string; ttl_days: number | null }>('SELECT scope, ttl_days FROM crm.retention_policies WHERE target = $1', [target]);
    const whole = rows.find((r) => r.scope === '*');
    return {
      whole: whole ? { days: whole.ttl_days } : undefined,
      scoped: new Map(rows.filter((r) => r.scope !== '*').map((r) => [r.scope, r.ttl_days])),
    };
  }

  private async purgeTarget(target: RetentionTarget, now: Date): Promise<{ deleted: number; busy: boolean }> {
    const policies = await this.policies(target.key);
    const defaultDays = policies.whole ? policies.whole.days : target.envDefault(this.config);
    const batch = this.config.retention.batch;
    let deleted = 0;
    while (!this.closing) {
      const n = await this.db.tx(async (c) => {
        return (await tryAdvisoryXactLock(c, 'housekeeping')) ? target.purgeBatch(c, now, batch, defaultDays, policies) : null;
      });
      if (n === null) return { deleted, busy: true };
      deleted += n;
      if (n === 0) break; // not `n < batch`: deleting a child can free its parent for the next batch
    }
    return { deleted, busy: false };
  }

  private async pass(): Promise<PassResult> {
    const now = this.clock();
    const deleted: Record<string, number> = {};
    let busy = false;
    for (const target of RETENTION_TARGETS) {
      const r = await this.purgeTarget(target, now);
      deleted[target.key] = r.deleted;
      if (r.busy) {
        busy = true;
        break;
      }
    }
    // The audit trail's monthly partitions are kept three months ahead (never deleted here).
    const partitions = await ensureAuditPartitions(this.db.pool);
    if (partitions > 0) this.logger.info({ partitions }, 'housekeeping created audit partitions ahead');
    const total = Object.values(deleted).reduce((a, b) => a + b, 0);
    if (total > 0) {
      this.logger.info({ deleted, asOf: now.toISOString() }, 'housekeeping removed expired rows');
      await this.audit.record({ action: 'housekeeping.purge', actorId: null, actorName: 'housekeeping', data: { deleted, asOf: now.toISOString() } });
    }
    return { deleted, busy };
  }
}
