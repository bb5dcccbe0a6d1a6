/**
 * The in-process job executor. Every CRM_JOB_POLL_MS (200 ms) — and at once when a step created a due
 * job — it takes due jobs with FOR UPDATE SKIP LOCKED and stamps a lease, so any number of server
 * processes can share one database; a job whose owner died is taken again when its lease runs out.
 * A job's effect commits in one transaction with the job's deletion, under the instance row lock, so
 * a timer fires exactly once however many processes poll. Off when CRM_JOB_WORKERS=0.
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { handleEvent, nextTimerStart, type TimerRepeat } from '@crm/workflow-engine';
import { Db } from '../database/db.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LOGGER } from '../logging/logger.token.js';
import { RequestContext } from '../common/request-context.js';
import { Metrics } from '../metrics/metrics.js';
import { WorkflowRuntime, type Actor, type StepCtx } from './runtime.service.js';
import { DefinitionsService } from './definitions.service.js';
import { BpmnError, ServiceTaskRegistry } from './service-tasks.js';
import { repo, type JobRow } from './workflow.repository.js';

type Outcome = 'done' | 'retry' | 'incident' | 'skipped' | 'error';

/** The user whose step scheduled a job (null: the platform, e.g. a timer start). */
function actorOf(job: JobRow): Actor | null {
  const a = (job.payload as { actor?: Actor } | null)?.actor;
  return a && typeof a.id === 'string' && typeof a.username === 'string' ? { id: a.id, username: a.username } : null;
}

@Injectable()
export class JobExecutor implements OnApplicationBootstrap, OnModuleDestroy {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly backoffMs: number;
  private readonly batch: number;
  private readonly concurrency: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private readonly counter: Counter<'kind' | 'outcome'>;

  constructor(
    private readonly db: Db,
    private readonly runtime: WorkflowRuntime,
    private readonly services: ServiceTaskRegistry,
    private readonly defs: DefinitionsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    metrics: Metrics,
  ) {
    ({ pollMs: this.pollMs, leaseMs: this.leaseMs, backoffMs: this.backoffMs, batch: this.batch, concurrency: this.concurrency } = config.jobs);
    this.counter = new Counter({ name: 'crm_workflow_jobs_total', help: 'Workflow jobs run by this process, by kind and outcome', labelNames: ['kind', 'outcome'] as const, registers: [metrics.registry] });
  }

  onApplicationBootstrap(): void {
    if (!this.config.jobWorkers) return;
    this.stopped = false;
    this.runtime.onJobsDue(() => this.nudge());
    this.schedule(this.pollMs);
  }

  /** Stops polling and waits for the jobs in hand; their leases are released by finishing them. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    // Woken from a request, the timer would inherit its context: jobs act as their own actor, never as that caller.
    this.timer = setTimeout(() => RequestContext.outside(() => {
      this.timer = undefined;
      this.running = this.tick().finally(() => {
        this.running = undefined;
        const more = this.again;
        this.again = false;
        this.schedule(more ? 0 : this.pollMs);
      });
    }), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    for (let rounds = 0; rounds < 50 && !this.stopped; rounds++) {
      let jobs: JobRow[];
      try {
        jobs = await this.claim();
      } catch (err) {
        this.logger.warn({ err }, 'claiming workflow jobs failed');
        return;
      }
      if (!jobs.length) return;
      let next = 0;
      const worker = async () => {
        while (next < jobs.length) await this.run(jobs[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(this.concurrency, jobs.length) }, worker));
      if (jobs.length < this.batch) return;
    }
  }

  /** Takes up to `batch` due jobs: free ones, or ones whose lease ran out (their owner died). */
  async claim(): Promise<JobRow[]> {
    return this.db.query<JobRow>(
      `UPDATE crm.wf_jobs j SET lease_owner = $1, lease_until = now() + make_interval(secs => $3::double precision / 1000)
       WHERE j.id IN (
         SELECT id FROM crm.wf_jobs
         WHERE due_at <= now() AND (lease_until IS NULL OR lease_until < now())
         ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING j.*`,
      [this.owner, this.batch, this.leaseMs],
    );
  }

  /** Runs one claimed job; never throws. */
  async run(job: JobRow): Promise<Outcome> {
    let outcome: Outcome;
    try {
      outcome = await this.execute(job);
    } catch (err) {
      outcome = 'error';
      this.logger.warn({ err, jobId: job.id, kind: job.kind }, 'workflow job failed');
      await this.parkOrRetry(job, err).catch((e) => this.logger.error({ err: e, jobId: job.id }, 'could not record a job failure'));
    }
    this.counter.inc({ kind: job.kind, outcome });
    return outcome;
  }

  private async execute(job: JobRow): Promise<Outcome> {
    switch (job.kind) {
      case 'timer':
        if (!job.instance_id) return this.startByTimer(job);
        return this.onInstance(job, async (ctx, row) => {
          if (!row.state.waits[job.id]) return 'skipped';
          await this.runtime.advance(ctx, row, (m, s, o) => handleEvent(m, s, { type: 'timer', timerId: job.id }, o));
          return 'done';
        });
      case 'call-completed': {
        const p = job.payload as { callId: string; variables?: Record<string, unknown> };
        return this.onInstance(job, async (ctx, row) => {
          if (!row.state.waits[p.callId]) return 'skipped';
          await this.runtime.advance(ctx, row, (m, s, o) => handleEvent(m, s, { type: 'callCompleted', callId: p.callId, ...(p.variables ? { variables: p.variables } : {}) }, o));
          return 'done';
        });
      }
      case 'message':
      case 'signal': {
        const p = job.payload as { name: string; correlationKey?: string | null; variables?: Record<string, unknown> };
        return this.runtime.tx(async (ctx) => {
          if (!(await this.takeJob(ctx, job))) return 'skipped';
          if (job.kind === 'message') await this.runtime.correlateMessage(ctx, p.name, p.correlationKey ?? null, p.variables, 'system');
          else await this.runtime.broadcastSignal(ctx, p.name, p.variables, 'system');
          return 'done';
        }, undefined, actorOf(job));
      }
      case 'service':
        return this.runService(job);
    }
  }

  /**
   * A timer start event fired: starts an instance of the version that scheduled it (unless a newer
   * version replaced it) and, for a cycle, schedules the next firing under the same job id — all in
   * the transaction that deletes this firing, so each firing starts exactly one instance. Firings
   * missed while no server ran are not made up one by one: the next one is the first still ahead.
   */
  private async startByTimer(job: JobRow): Promise<Outcome> {
    const p = job.payload as { startKey: string; definitionId: string; repeat?: TimerRepeat };
    return this.runtime.tx(async (ctx) => {
      if (!(await this.takeJob(ctx, job))) return 'skipped';
      const def = await this.defs.latest(ctx.client, p.startKey);
      if (!def || def.id !== p.definitionId) return 'skipped';
      if (p.repeat) {
        let next: { dueAt: string; repeat?: TimerRepeat } = nextTimerStart(job.due_at.toISOString(), p.repeat);
        for (let i = 0; i < 100000 && next.repeat && Date.parse(next.dueAt) <= Date.parse(ctx.now); i++) next = nextTimerStart(next.dueAt, next.repeat);
        await ctx.client.query(
          `INSERT INTO crm.wf_jobs (id, kind, instance_id, activity_id, due_at, payload) VALUES ($1, 'timer', NULL, $2, $3, $4)`,
          [job.id, job.activity_id, next.dueAt, JSON.stringify({ startKey: p.startKey, definitionId: p.definitionId, ...(next.repeat ? { repeat: next.repeat } : {}) })],
        );
      }
      await this.runtime.start(ctx, def, { startEventId: job.activity_id!, initiator: 'system' }, {
        action: 'workflow.start', object: 'process_instance', actorId: null, actorName: 'system', data: { key: def.key, version: def.version, timer: job.activity_id },
      });
      return 'done';
    }, undefined, null);
  }

  /** Locks the job's instance, then the job (always in that order), and deletes the job with the step. */
  private async onInstance(job: JobRow, fn: (ctx: StepCtx, row: Awaited<ReturnType<WorkflowRuntime['lock']>>) => Promise<Outcome>): Promise<Outcome> {
    return this.runtime.tx(async (ctx) => {
      const row = await this.runtime.lock(ctx, job.instance_id!);
      if (!(await this.takeJob(ctx, job))) return 'skipped';
      if (row.status !== 'active' && row.status !== 'incident') return 'skipped';
      return fn(ctx, row);
    }, undefined, actorOf(job));
  }

  /** True when the job still exists under our lease; deletes it (the caller's step commits with this). */
  private async takeJob(ctx: StepCtx, job: JobRow): Promise<boolean> {
    const { rows } = await ctx.client.query('DELETE FROM crm.wf_jobs WHERE id = $1 AND lease_owner = $2 RETURNING id', [job.id, this.owner]);
    return rows.length > 0;
  }

  private async runService(job: JobRow): Promise<Outcome> {
    const p = job.payload as { serviceType: string; input: Record<string, unknown>; runAs?: string };
    const actor = actorOf(job);
    const handler = this.services.get(p.serviceType);
    let result: Record<string, unknown> | undefined;
    let failure: Error | undefined;
    let final = false;
    if (!handler) {
      failure = new Error(`no service task type "${p.serviceType}" (known: ${this.services.types().join(', ')})`);
      final = true;
    } else {
      try {
        result = await handler(p.input ?? {}, { instanceId: job.instance_id!, activityId: job.activity_id!, jobId: job.id, db: this.db, actor, ...(p.runAs ? { runAs: p.runAs } : {}) });
      } catch (err) {
        failure = err as Error;
      }
    }
    return this.runtime.tx(async (ctx) => {
      const row = await this.runtime.lock(ctx, job.instance_id!);
      const { rows } = await ctx.client.query<JobRow>('SELECT * FROM crm.wf_jobs WHERE id = $1 AND lease_owner = $2 FOR UPDATE', [job.id, this.owner]);
      const current = rows[0];
      if (!current) return 'skipped';
      if (!row.state.waits[job.id] || (row.status !== 'active' && row.status !== 'incident')) {
        await repo.deleteJob(ctx.client, job.id);
        return 'skipped';
      }
      if (!failure) {
        await repo.deleteJob(ctx.client, job.id);
        await this.runtime.advance(ctx, row, (m, s, o) => handleEvent(m, s, { type: 'serviceCompleted', jobId: job.id, result: result ?? {} }, o));
        return 'done';
      }
      if (failure instanceof BpmnError) {
        await repo.deleteJob(ctx.client, job.id);
        await this.runtime.advance(ctx, row, (m, s, o) => handleEvent(m, s, { type: 'serviceFailed', jobId: job.id, errorCode: failure.code, message: failure.message }, o));
        return 'done';
      }
      const attempts = current.attempts + 1;
      const message = failure.message.slice(0, 1000);
      if (!final && attempts < current.max_attempts) {
        await ctx.client.query(
          `UPDATE crm.wf_jobs SET attempts = $2, last_error = $3, lease_owner = NULL, lease_until = NULL,
             due_at = now() + make_interval(secs => $4::double precision / 1000) WHERE id = $1`,
          [job.id, attempts, message, this.backoffMs * 2 ** (attempts - 1)],
        );
        return 'retry';
      }
      await repo.deleteJob(ctx.client, job.id);
      const res = await this.runtime.advance(ctx, row, (m, s, o) => handleEvent(m, s, { type: 'serviceFailed', jobId: job.id, message: `${message} (after ${attempts} attempts)` }, o));
      for (const e of res.effects) {
        if (e.type === 'incident') await ctx.client.query(`UPDATE crm.wf_incidents SET kind = 'job', job_id = $2 WHERE id = $1`, [e.incidentId, job.id]);
      }
      return 'incident';
    }, undefined, actor);
  }

  /** An unexpected failure (not a service's own): back off, and after the last attempt park the job as an incident. */
  private async parkOrRetry(job: JobRow, err: unknown): Promise<void> {
    const message = (err as Error).message?.slice(0, 1000) ?? String(err);
    await this.runtime.tx(async (ctx) => {
      const { rows } = await ctx.client.query<JobRow>('SELECT * FROM crm.wf_jobs WHERE id = $1 AND lease_owner = $2 FOR UPDATE', [job.id, this.owner]);
      const cur = rows[0];
      if (!cur) return;
      const attempts = cur.attempts + 1;
      if (attempts < cur.max_attempts) {
        await ctx.client.query(
          `UPDATE crm.wf_jobs SET attempts = $2, last_error = $3, lease_owner = NULL, lease_until = NULL,
             due_at = now() + make_interval(secs => $4::double precision / 1000) WHERE id = $1`,
          [job.id, attempts, message, this.backoffMs * 2 ** (attempts - 1)],
        );
        return;
      }
      await ctx.client.query(`UPDATE crm.wf_jobs SET attempts = $2, last_error = $3, lease_owner = NULL, lease_until = NULL, due_at = 'infinity' WHERE id = $1`, [job.id, attempts, message]);
      if (job.instance_id) {
        await repo.insertIncident(ctx.client, { id: `job:${job.id}`, instanceId: job.instance_id, activityId: job.activity_id ?? '', kind: 'job', message, jobId: job.id, now: ctx.now });
        // A new rev: an optimistic step computed from the row before this must not overwrite it.
        await ctx.client.query(`UPDATE crm.wf_instances SET status = 'incident', rev = rev + 1 WHERE id = $1 AND status = 'active'`, [job.instance_id]);
      }
    });
  }
}
