/**
 * Persists the engine: every start, event and retry runs inside one transaction with the instance
 * row locked (SELECT ... FOR UPDATE), and the effects the engine returns become rows of the runtime
 * tables (tasks, jobs, subscriptions, incidents) in that same transaction, with the trace appended
 * to the history. A crash before COMMIT leaves the previous wait state; after it, the new one.
 */
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import {
  handleEvent,
  retryIncident,
  setVariables,
  startInstance,
  variablesOf,
  WorkflowEventError,
  type InstanceState,
  type ProcessModel,
  type StepOptions,
  type StepResult,
  type TraceEntry,
  type WorkflowEvent,
} from '@crm/workflow-engine';
import { Db } from '../database/db.js';
import { LOGGER } from '../logging/logger.token.js';
import { AppError } from '../common/app-error.js';
import { DefinitionsService, type DefinitionRow } from './definitions.service.js';
import { repo, type InstanceRow } from './workflow.repository.js';
import './workflow.messages.js';

/** One transaction of workflow work. `now` is the step time the engine sees (tests may set it). */
export interface StepCtx {
  client: PoolClient;
  now: string;
  /** Set when a job became due at once, so the executor is woken after COMMIT. */
  jobsDue: boolean;
}

export interface StartRequest {
  variables?: Record<string, unknown>;
  businessKey?: string;
  initiator: string;
  startEventId?: string;
  parent?: { id: string; callId: string };
}

type Compute = (model: ProcessModel, state: InstanceState, opts: StepOptions) => StepResult;

const RETRYABLE = new Set(['40P01', '40001']);

@Injectable()
export class WorkflowRuntime {
  private readonly wakeups: (() => void)[] = [];
  /** Attempts of service jobs before an incident (1 = no retry). */
  serviceAttempts = Number(process.env.CRM_JOB_MAX_ATTEMPTS ?? 3) || 3;

  constructor(
    private readonly db: Db,
    private readonly defs: DefinitionsService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onJobsDue(fn: () => void): void {
    this.wakeups.push(fn);
  }

  /** Runs fn in a transaction; retries on deadlock / serialization failure; wakes the executor after COMMIT. */
  async tx<T>(fn: (ctx: StepCtx) => Promise<T>, now?: string): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const ctx: Partial<StepCtx> = { jobsDue: false };
      try {
        const out = await this.db.tx(async (client) => {
          ctx.client = client;
          ctx.now = now ?? new Date().toISOString();
          return fn(ctx as StepCtx);
        });
        if (ctx.jobsDue) for (const w of this.wakeups) w();
        return out;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < 4) continue;
        throw err;
      }
    }
  }

  async lock(ctx: StepCtx, instanceId: string): Promise<InstanceRow> {
    const row = await repo.lockInstance(ctx.client, instanceId);
    if (!row) throw new AppError(404, 'workflow.instance_not_found');
    return row;
  }

  /** Starts an instance of a definition in the caller's transaction. */
  async start(ctx: StepCtx, def: DefinitionRow, req: StartRequest): Promise<InstanceRow & { trace: TraceEntry[] }> {
    const model = await this.defs.model(ctx.client, def.id);
    const id = randomUUID();
    const resolveDecision = await this.defs.resolverFor(ctx.client, model);
    let result: StepResult;
    try {
      result = startInstance(model, {
        instanceId: id,
        initiator: req.initiator,
        now: ctx.now,
        ...(resolveDecision ? { resolveDecision } : {}),
        ...(req.variables ? { variables: req.variables } : {}),
        ...(req.businessKey !== undefined ? { businessKey: req.businessKey } : {}),
        ...(req.startEventId ? { startEventId: req.startEventId } : {}),
      });
    } catch (err) {
      if (err instanceof WorkflowEventError) throw new AppError(400, 'workflow.start_failed', { reason: err.message });
      throw err;
    }
    const row: InstanceRow = {
      id,
      definition_id: def.id,
      definition_key: def.key,
      version: def.version,
      business_key: req.businessKey ?? null,
      status: result.state.status,
      state: result.state,
      rev: 1,
      initiator: req.initiator,
      parent_id: req.parent?.id ?? null,
      parent_call_id: req.parent?.callId ?? null,
      started_at: new Date(ctx.now),
      updated_at: new Date(ctx.now),
      ended_at: null,
    };
    const ended = result.state.status === 'completed' || result.state.status === 'terminated';
    await repo.insertInstance(ctx.client, row, ended ? ctx.now : null);
    await this.persist(ctx, row, result, false);
    return { ...row, ended_at: ended ? new Date(ctx.now) : null, trace: result.trace };
  }

  /**
   * Applies one engine step to a locked instance and persists its outcome. Engine refusals
   * (WorkflowEventError) propagate unchanged for the caller to translate.
   */
  async advance(ctx: StepCtx, row: InstanceRow, compute: Compute): Promise<StepResult> {
    const model = await this.defs.model(ctx.client, row.definition_id);
    const resolveDecision = await this.defs.resolverFor(ctx.client, model);
    const result = compute(model, row.state, { now: ctx.now, ...(resolveDecision ? { resolveDecision } : {}) });
    await this.persist(ctx, row, result, true);
    row.state = result.state;
    row.status = result.state.status;
    return result;
  }

  /** Convenience: lock, apply one event, persist — in its own transaction. */
  async applyEvent(instanceId: string, event: WorkflowEvent, now?: string): Promise<StepResult> {
    return this.tx(async (ctx) => {
      const row = await this.lock(ctx, instanceId);
      return this.advance(ctx, row, (m, s, o) => handleEvent(m, s, event, o));
    }, now);
  }

  private async persist(ctx: StepCtx, row: InstanceRow, result: StepResult, update: boolean): Promise<void> {
    const c = ctx.client;
    const { state } = result;
    await repo.insertHistory(c, row.id, result.trace);
    // A message or signal that triggered its wait consumes it without an unsubscribe effect.
    const consumed = Object.values(row.state.waits).filter((w) => (w.kind === 'message' || w.kind === 'signal') && !state.waits[w.id]).map((w) => w.id);
    if (consumed.length) await c.query('DELETE FROM crm.wf_subscriptions WHERE id = ANY($1)', [consumed]);
    for (const e of result.effects) {
      switch (e.type) {
        case 'createTask':
          await repo.insertTask(c, row.id, row.definition_key, e, ctx.now);
          break;
        case 'cancelTask':
          await repo.closeTask(c, e.taskId, 'cancelled', ctx.now, null);
          break;
        case 'scheduleTimer':
          await repo.upsertJob(c, { id: e.timerId, kind: 'timer', instanceId: row.id, activityId: e.activityId, dueAt: e.dueAt, payload: e.repeat ? { repeat: e.repeat } : {} });
          if (Date.parse(e.dueAt) <= Date.now()) ctx.jobsDue = true;
          break;
        case 'cancelTimer':
          await repo.deleteJob(c, e.timerId);
          break;
        case 'cancelJob':
          await repo.deleteJob(c, e.jobId);
          break;
        case 'subscribeMessage':
          await repo.insertSubscription(c, { id: e.subscriptionId, instanceId: row.id, kind: 'message', name: e.name, ...(e.correlationKey !== undefined ? { correlationKey: e.correlationKey } : {}), activityId: e.activityId, now: ctx.now });
          break;
        case 'subscribeSignal':
          await repo.insertSubscription(c, { id: e.subscriptionId, instanceId: row.id, kind: 'signal', name: e.name, activityId: e.activityId, now: ctx.now });
          break;
        case 'unsubscribe':
          await repo.deleteSubscription(c, e.subscriptionId);
          break;
        case 'runService':
          await repo.upsertJob(c, { id: e.jobId, kind: 'service', instanceId: row.id, activityId: e.activityId, dueAt: ctx.now, payload: { serviceType: e.serviceType, input: e.input }, maxAttempts: this.serviceAttempts });
          ctx.jobsDue = true;
          break;
        case 'throwSignal':
          // Broadcast after this step commits, by a job: the signal may reach this very instance.
          await repo.upsertJob(c, { id: randomUUID(), kind: 'signal', instanceId: null, activityId: null, dueAt: ctx.now, payload: { name: e.name, variables: e.variables, from: row.id } });
          ctx.jobsDue = true;
          break;
        case 'sendMessage':
          await repo.upsertJob(c, { id: randomUUID(), kind: 'message', instanceId: null, activityId: null, dueAt: ctx.now, payload: { name: e.name, correlationKey: e.correlationKey ?? null, variables: e.variables, from: row.id } });
          ctx.jobsDue = true;
          break;
        case 'startCall':
          await this.startCall(ctx, row, e.callId, e.activityId, e.processKey, e.variables);
          break;
        case 'cancelCall':
          await this.cancelCall(ctx, row, e.callId);
          break;
        case 'incident':
          await repo.insertIncident(c, { id: e.incidentId, instanceId: row.id, activityId: e.activityId, kind: 'engine', message: e.message, now: ctx.now });
          break;
        case 'incidentResolved':
          await repo.resolveIncident(c, e.incidentId, ctx.now, null);
          break;
        case 'completed':
          if (row.parent_id && row.parent_call_id) {
            await repo.upsertJob(c, { id: `${row.id}:done`, kind: 'call-completed', instanceId: row.parent_id, activityId: null, dueAt: ctx.now, payload: { callId: row.parent_call_id, variables: variablesOf(state) } });
            ctx.jobsDue = true;
          }
          break;
        case 'terminated':
          break;
      }
    }
    if (update) {
      const ended = (state.status === 'completed' || state.status === 'terminated') && row.status !== state.status;
      await repo.updateInstance(c, row.id, state, state.status, ctx.now, ended);
    }
  }

  /** A call activity starts the latest version of the called process as a child, in this transaction. */
  private async startCall(ctx: StepCtx, parent: InstanceRow, callId: string, activityId: string, processKey: string, variables: Record<string, unknown>): Promise<void> {
    const def = await this.defs.latest(ctx.client, processKey);
    if (!def) {
      // Not an engine incident: the engine waits for the call; an admin deploys the process and retries.
      await repo.insertIncident(ctx.client, {
        id: `${callId}:call`, instanceId: parent.id, activityId, kind: 'call',
        message: `called process ${processKey} is not deployed`, payload: { callId, processKey, variables }, now: ctx.now,
      });
      await ctx.client.query(`UPDATE crm.wf_instances SET status = 'incident' WHERE id = $1`, [parent.id]);
      parent.status = 'incident';
      return;
    }
    await this.start(ctx, def, { variables, initiator: parent.initiator ?? 'system', parent: { id: parent.id, callId } });
  }

  private async cancelCall(ctx: StepCtx, parent: InstanceRow, callId: string): Promise<void> {
    await repo.resolveIncident(ctx.client, `${callId}:call`, ctx.now, null);
    const { rows } = await ctx.client.query<{ id: string }>(
      `SELECT id FROM crm.wf_instances WHERE parent_id = $1 AND parent_call_id = $2 AND status IN ('active', 'incident')`,
      [parent.id, callId],
    );
    // Parent before child: the only lock order between two instances, so no deadlock.
    for (const { id } of rows) {
      const child = await this.lock(ctx, id);
      if (child.status !== 'active' && child.status !== 'incident') continue;
      await this.advance(ctx, child, (m, s, o) => handleEvent(m, s, { type: 'cancel' }, o));
      await repo.clearRuntime(ctx.client, child.id, ctx.now);
    }
  }

  // ------------------------------------------------------------------ operations used by services and jobs

  /**
   * Completes an open user task of a locked instance (the caller checked who may). The task row is
   * closed with the step, so of two concurrent completions the second finds it done.
   */
  async completeTask(ctx: StepCtx, row: InstanceRow, taskId: string, by: string, variables: Record<string, unknown> | undefined): Promise<StepResult> {
    const result = await this.advance(ctx, row, (m, s, o) => handleEvent(m, s, { type: 'completeTask', taskId, by, ...(variables ? { variables } : {}) }, o));
    await repo.closeTask(ctx.client, taskId, 'completed', ctx.now, by);
    return result;
  }

  async cancel(ctx: StepCtx, instanceId: string): Promise<InstanceRow> {
    const row = await this.lock(ctx, instanceId);
    try {
      await this.advance(ctx, row, (m, s, o) => handleEvent(m, s, { type: 'cancel' }, o));
    } catch (err) {
      if (err instanceof WorkflowEventError && err.code === 'NOT_ACTIVE') throw new AppError(409, 'workflow.instance_ended');
      throw err;
    }
    await repo.clearRuntime(ctx.client, row.id, ctx.now);
    return row;
  }

  async setVariables(ctx: StepCtx, instanceId: string, vars: Record<string, unknown>): Promise<InstanceRow> {
    const row = await this.lock(ctx, instanceId);
    if (row.status !== 'active' && row.status !== 'incident') throw new AppError(409, 'workflow.instance_ended');
    await this.advance(ctx, row, (_m, s) => ({ state: setVariables(s, vars), effects: [], trace: [] }));
    return row;
  }

  /** Retries an incident: an engine incident re-runs its element; a call incident starts the child again. */
  async retryIncident(ctx: StepCtx, incidentId: string, by: string): Promise<{ instanceId: string }> {
    const { rows } = await ctx.client.query<{ id: string; instance_id: string; kind: string; activity_id: string; job_id: string | null; payload: { callId: string; processKey: string; variables: Record<string, unknown> } | null }>(
      'SELECT id, instance_id, kind, activity_id, job_id, payload FROM crm.wf_incidents WHERE id = $1 AND resolved_at IS NULL',
      [incidentId],
    );
    const inc = rows[0];
    if (!inc) throw new AppError(404, 'workflow.incident_not_found');
    const row = await this.lock(ctx, inc.instance_id);
    if (inc.kind === 'call') {
      await repo.resolveIncident(ctx.client, inc.id, ctx.now, by);
      const p = inc.payload!;
      if (!row.state.waits[p.callId]) return { instanceId: row.id };
      const open = await ctx.client.query(`SELECT 1 FROM crm.wf_incidents WHERE instance_id = $1 AND resolved_at IS NULL AND id <> $2 LIMIT 1`, [row.id, inc.id]);
      const status = Object.keys(row.state.incidents).length || open.rows.length ? 'incident' : row.state.status;
      await ctx.client.query('UPDATE crm.wf_instances SET status = $2 WHERE id = $1', [row.id, status]);
      row.status = status as InstanceRow['status'];
      await this.startCall(ctx, row, p.callId, inc.activity_id, p.processKey, p.variables);
      return { instanceId: row.id };
    }
    if (inc.kind === 'job' && inc.job_id && !row.state.incidents[incidentId]) {
      // A job parked after unexpected failures: run it again now.
      await ctx.client.query(`UPDATE crm.wf_jobs SET due_at = $2, attempts = 0, last_error = NULL, lease_owner = NULL, lease_until = NULL WHERE id = $1`, [inc.job_id, ctx.now]);
      await repo.resolveIncident(ctx.client, inc.id, ctx.now, by);
      await ctx.client.query('UPDATE crm.wf_instances SET status = $2 WHERE id = $1', [row.id, row.state.status]);
      ctx.jobsDue = true;
      return { instanceId: row.id };
    }
    if (!row.state.incidents[incidentId]) {
      await repo.resolveIncident(ctx.client, inc.id, ctx.now, by);
      throw new AppError(404, 'workflow.incident_not_found');
    }
    await this.advance(ctx, row, (m, s, o) => retryIncident(m, s, incidentId, o));
    await ctx.client.query('UPDATE crm.wf_incidents SET resolved_by = $2 WHERE id = $1', [incidentId, by]);
    return { instanceId: row.id };
  }

  /**
   * Delivers a message to every instance waiting for it (by name, and correlation key when given)
   * and starts every process whose start event catches it. Instances are locked in id order.
   */
  async correlateMessage(ctx: StepCtx, name: string, correlationKey: string | null, variables: Record<string, unknown> | undefined, initiator: string): Promise<number> {
    const { rows } = await ctx.client.query<{ id: string; instance_id: string }>(
      `SELECT id, instance_id FROM crm.wf_subscriptions
       WHERE kind = 'message' AND name = $1 AND ($2::text IS NULL OR correlation_key = $2)
       ORDER BY instance_id, created_at, id LIMIT 500`,
      [name, correlationKey],
    );
    let n = 0;
    for (const [instanceId, subs] of groupBy(rows)) {
      const row = await this.lock(ctx, instanceId);
      if (row.status !== 'active' && row.status !== 'incident') continue;
      const sub = subs.find((s) => row.state.waits[s]);
      if (!sub) continue;
      await this.advance(ctx, row, (m, s, o) => handleEvent(m, s, { type: 'message', subscriptionId: sub, name, ...(variables ? { variables } : {}) }, o));
      n++;
    }
    for (const { def, startEventId } of await this.defs.startsFor(ctx.client, 'message', name)) {
      await this.start(ctx, def, { startEventId, initiator, ...(variables ? { variables } : {}), ...(correlationKey !== null ? { businessKey: correlationKey } : {}) });
      n++;
    }
    return n;
  }

  /** Broadcasts a signal: every open subscription of that name, and every signal start event. */
  async broadcastSignal(ctx: StepCtx, name: string, variables: Record<string, unknown> | undefined, initiator: string): Promise<number> {
    const { rows } = await ctx.client.query<{ id: string; instance_id: string }>(
      `SELECT id, instance_id FROM crm.wf_subscriptions WHERE kind = 'signal' AND name = $1 ORDER BY instance_id, created_at, id LIMIT 500`,
      [name],
    );
    let n = 0;
    for (const [instanceId, subs] of groupBy(rows)) {
      const row = await this.lock(ctx, instanceId);
      for (const sub of subs) {
        if (row.status !== 'active' && row.status !== 'incident') break;
        if (!row.state.waits[sub]) continue;
        await this.advance(ctx, row, (m, s, o) => handleEvent(m, s, { type: 'signal', subscriptionId: sub, name, ...(variables ? { variables } : {}) }, o));
        n++;
      }
    }
    for (const { def, startEventId } of await this.defs.startsFor(ctx.client, 'signal', name)) {
      await this.start(ctx, def, { startEventId, initiator, ...(variables ? { variables } : {}) });
      n++;
    }
    return n;
  }

  logError(err: unknown, msg: string, extra: Record<string, unknown> = {}): void {
    this.logger.error({ err, ...extra }, msg);
  }
}

function groupBy(rows: { id: string; instance_id: string }[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of rows) {
    const list = m.get(r.instance_id) ?? [];
    list.push(r.id);
    m.set(r.instance_id, list);
  }
  return m;
}
