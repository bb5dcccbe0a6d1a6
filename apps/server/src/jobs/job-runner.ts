/**
 * Runs background jobs, one at a time per server process, resumable after a crash.
 *
 * A job is claimed with a session advisory lock held on a dedicated connection (like imports): a
 * process that dies loses its connection and with it the lock, so another (or the restarted) process
 * takes the job over from its last committed checkpoint — no lease to expire. Only jobs whose kind
 * this process has a handler for are taken. A job that keeps being interrupted (MAX_ATTEMPTS claims
 * without finishing) is failed instead of crash-looping.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { Db } from '../database/db.js';
import { ADVISORY_LOCKS } from '../database/advisory-locks.js';
import { claimUnderSessionLock, releaseSessionLock, SerialWorkLoop } from '../database/session-locked-work.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AppError } from '../common/app-error.js';
import { JobRegistry, type JobContext } from './job-registry.js';
import { JOB_COLUMNS, JobsService, type JobRow } from './jobs.service.js';

const LOCK_CLASS = ADVISORY_LOCKS['job.run'];
export const MAX_ATTEMPTS = 5;

@Injectable()
export class JobRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly log = new Logger('jobs');
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private readonly loop = new SerialWorkLoop(() => this.step(), (err) => this.log.error(`job runner: ${(err as Error).message}`));
  private readonly abort = new AbortController();

  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'jobWorkers' | 'jobs'>,
    private readonly registry: JobRegistry,
    private readonly jobs: JobsService,
  ) {}

  /** After every module's onModuleInit, so the handlers are registered before the first claim. */
  onApplicationBootstrap(): void {
    if (!this.config.jobWorkers) return;
    this.jobs.kick = () => this.wake();
    this.registry.onChange = () => this.wake();
    this.timer = setInterval(() => this.wake(), Math.max(50, this.config.jobs.pollMs));
    this.timer.unref();
    this.wake();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    if (this.timer) clearInterval(this.timer);
    await this.loop.stop();
  }

  /** Runs every claimable job, then returns; a wake during a run runs another pass after it. */
  wake(): Promise<void> {
    return this.loop.wake();
  }

  /** Claims and runs the oldest unfinished job of a kind handled here that no other process holds; false when none. */
  private async step(): Promise<boolean> {
    const kinds = this.registry.kinds();
    if (kinds.length === 0) return false;
    const claimed = await claimUnderSessionLock(
      this.db.pool,
      LOCK_CLASS,
      async (c) => (await c.query<{ id: string }>(
        `SELECT id::text AS id FROM crm.jobs WHERE status IN ('queued', 'running') AND kind = ANY($1::text[]) ORDER BY created_at LIMIT 50`,
        [kinds],
      )).rows.map((r) => r.id),
      async (c, id) => (await c.query<JobRow>(
        `UPDATE crm.jobs SET status = 'running', attempts = attempts + 1, started_at = coalesce(started_at, now()), updated_at = now()
         WHERE id = $1::uuid AND status IN ('queued', 'running') RETURNING ${JOB_COLUMNS}`,
        [id],
      )).rows[0],
    );
    if (!claimed) return false;
    const { client, row } = claimed;
    let broken = false;
    try {
      await this.run(row, client);
    } catch (err) {
      broken = true;
      this.log.error(`job ${row.id} (${row.kind}): ${(err as Error).message}`);
    } finally {
      await releaseSessionLock(client, LOCK_CLASS, row.id, broken);
    }
    return !this.stopping;
  }

  /** Written on the lock's connection: a process that lost its lock (its connection died) cannot finish a job another process has taken over. */
  private async finish(lock: PoolClient, id: string, status: 'done' | 'failed', set: { result?: unknown; code?: string; params?: unknown }): Promise<void> {
    await lock.query(
      `UPDATE crm.jobs SET status = $2, result = $3::jsonb, error_code = $4, error_params = $5::jsonb, finished_at = now(), updated_at = now(),
         progress_done = CASE WHEN $2 = 'done' AND progress_total IS NOT NULL THEN greatest(progress_done, progress_total) ELSE progress_done END
       WHERE id = $1::uuid`,
      [id, status, set.result === undefined ? null : JSON.stringify(set.result), set.code ?? null, set.params === undefined ? null : JSON.stringify(set.params)],
    );
  }

  private async run(row: JobRow, lock: PoolClient): Promise<void> {
    const handler = this.registry.handler(row.kind);
    if (!handler) return; // claimed only for registered kinds; a race with nothing to do
    if (row.attempts > MAX_ATTEMPTS) {
      this.log.warn(`job ${row.id} (${row.kind}) interrupted ${row.attempts - 1} times: failed`);
      await this.finish(lock, row.id, 'failed', { code: 'job.too_many_attempts' });
      return;
    }
    let cursor = row.cursor ?? null;
    const ctx: JobContext = {
      id: row.id,
      kind: row.kind,
      params: row.params,
      get cursor() {
        return cursor;
      },
      createdBy: row.created_by,
      signal: this.abort.signal,
      progress: async (p, tx) => {
        const next = p.cursor === undefined ? cursor : p.cursor;
        await (tx ?? lock).query(
          `UPDATE crm.jobs SET progress_done = $2, progress_total = coalesce($3, progress_total), cursor = $4::jsonb, updated_at = now() WHERE id = $1::uuid`,
          [row.id, Math.max(0, Math.trunc(p.done)), p.total === undefined ? null : Math.max(0, Math.trunc(p.total)), next === null ? null : JSON.stringify(next)],
        );
        cursor = next;
      },
    };
    let result: Record<string, unknown> | void;
    try {
      result = await handler.run(ctx);
    } catch (err) {
      if (this.abort.signal.aborted) return; // shutting down: resumed later from the checkpoint
      if (err instanceof AppError) await this.finish(lock, row.id, 'failed', { code: err.code, params: err.params });
      else {
        this.log.error(`job ${row.id} (${row.kind}) failed: ${(err as Error).message}`);
        await this.finish(lock, row.id, 'failed', { code: 'job.failed' });
      }
      return;
    }
    // A handler that returned because of shutdown has not finished: leave it to be resumed.
    if (this.abort.signal.aborted) return;
    await this.finish(lock, row.id, 'done', { result: result ?? {} });
  }
}
