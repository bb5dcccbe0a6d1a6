/**
 * Scheduled target refresh: every CRM_MARKETING_REFRESH_POLL_MS (default one minute; 0 = off) a job
 * worker queues `campaign.refresh` for each active campaign with `refreshDays` whose last evaluation
 * (the last refresh, else the launch) is at least that many days before the injectable REFRESH_CLOCK's
 * now. Queuing is idempotent (one unfinished refresh per campaign), so several processes may tick.
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AppError } from '../common/app-error.js';
import { Db } from '../database/db.js';
import { LOGGER } from '../logging/logger.token.js';
import { CampaignsService, type CampaignRow } from './campaigns.service.js';
import { PollLoop } from './poll-loop.js';

export const REFRESH_CLOCK = Symbol('REFRESH_CLOCK');
export type RefreshClock = () => Date;
export const systemRefreshClock: RefreshClock = () => new Date();

@Injectable()
export class CampaignRefresher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly loop: PollLoop;

  constructor(
    private readonly db: Db,
    private readonly campaigns: CampaignsService,
    @Inject(REFRESH_CLOCK) private readonly clock: RefreshClock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.loop = new PollLoop(logger, 'campaign refresh');
  }

  onApplicationBootstrap(): void {
    if (!this.config.jobWorkers || !this.config.marketingRefreshPollMs) return;
    this.loop.start(() => this.tick(), this.config.marketingRefreshPollMs);
  }

  onModuleDestroy(): void {
    this.loop.stop();
  }

  /** Queues the refreshes that are due at the clock's now; the campaign ids queued. */
  async tick(): Promise<string[]> {
    const due = await this.db.query<CampaignRow>(
      `SELECT id::text, name, status, spec, created_by::text FROM crm.campaigns
        WHERE status = 'active' AND (spec->>'refreshDays') IS NOT NULL
          AND coalesce(refreshed_at, launched_at) + make_interval(days => (spec->>'refreshDays')::int) <= $1::timestamptz
        ORDER BY id LIMIT 100`,
      [this.clock()],
    );
    const out: string[] = [];
    for (const r of due) {
      try {
        await this.campaigns.enqueueRefresh(r, r.created_by);
        out.push(r.id);
      } catch (err) {
        if (!(err instanceof AppError && err.status === 409)) throw err;
      }
    }
    return out;
  }
}
