/**
 * The nightly scoring: once a night, from CRM_MODEL_SCORE_HOUR (Beijing time, default 02:00), every
 * trained model with a score field is scored again by its ordinary `model.score` job (latest version,
 * started by nobody: the platform). The night is a parameter of the job (`night`: the date), so however
 * many processes tick and however often, a model gets one nightly job per night: the check and the
 * insert run under a transaction advisory lock. A model whose scoring is already running (started by
 * hand) is tried again at the next tick. Every process with job workers ticks once a minute; the clock
 * is injectable (tests call `tick()` with the night they want).
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Db } from '../database/db.js';
import { tryAdvisoryXactLock } from '../database/advisory-locks.js';
import { AppError } from '../common/app-error.js';
import { JobsService } from '../jobs/jobs.service.js';
import { LOGGER } from '../logging/logger.token.js';

export const MODEL_SCHEDULE_CLOCK = Symbol('MODEL_SCHEDULE_CLOCK');
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

const TICK_MS = 60_000;
/** Beijing time (UTC+8, no daylight saving). */
const OFFSET_MS = 8 * 3_600_000;

/** The night a moment belongs to, once the hour has come (Beijing date), else null. */
export function nightOf(now: Date, hour: number): string | null {
  const local = new Date(now.getTime() + OFFSET_MS);
  if (hour > 23 || local.getUTCHours() < hour) return null;
  return local.toISOString().slice(0, 10);
}

@Injectable()
export class NightlyScoring implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly jobs: JobsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(MODEL_SCHEDULE_CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.jobWorkers || this.config.modelScoreHour > 23) return;
    this.timer = setInterval(() => void this.tick().catch((err: unknown) => this.logger.warn({ err }, 'nightly model scoring failed to start')), TICK_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Enqueues tonight's scoring of every model not yet scored tonight; answers the models enqueued. */
  async tick(): Promise<string[]> {
    const night = nightOf(this.clock(), this.config.modelScoreHour);
    if (!night) return [];
    const started = await this.db.tx(async (c) => {
      if (!(await tryAdvisoryXactLock(c, 'model.nightly'))) return [];
      const { rows } = await c.query<{ key: string; version: number }>(
        `SELECT m.key, m.latest_version AS version FROM crm.models m
          WHERE m.latest_version IS NOT NULL AND coalesce(m.definition->>'scoreField', '') <> ''
            AND NOT EXISTS (SELECT 1 FROM crm.jobs j WHERE j.kind = 'model.score' AND j.params->>'model' = m.key AND j.params->>'night' = $1)
          ORDER BY m.key`,
        [night],
      );
      const out: string[] = [];
      for (const r of rows) {
        try {
          await this.jobs.enqueue('model.score', { model: r.key, version: r.version, night }, { createdBy: null, dedupeKey: `model.score:${r.key}`, tx: c });
          out.push(r.key);
        } catch (err) {
          // a scoring started by hand is running: tonight's comes at a later tick
          if (!(err instanceof AppError && err.status === 409)) throw err;
        }
      }
      return out;
    });
    if (started.length) this.logger.info({ night, models: started }, 'nightly model scoring enqueued');
    return started;
  }
}
