/**
 * Persists the engine. The effects a step returns become rows of the runtime tables (tasks, jobs,
 * subscriptions, incidents) and its trace rows of the history, all written by one statement that
 * also checks the instance row still has the version (`rev`) the step was computed from.
 *
 * A request's step (task completion, message, signal, start) runs optimistically (`step`): no
 * transaction and no lock — it reads, the engine computes, and one guarded statement (the writes of
 * every instance it moved) commits on its own. When another step won the race the guard undoes the
 * whole statement and the step runs again the classic way (`tx`): in one transaction with the
 * instance rows locked (SELECT ... FOR UPDATE), as jobs, retries and call activities always do.
 * Either way a crash before the commit leaves the previous wait state; after it, the new one.
 */
import { Inject, Injectable, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { StartProcessRequest } from '@crm/shared';
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
  type Effect,
  type TraceEntry,
  type WorkflowEvent,
} from '@crm/workflow-engine';
import { Db, type Queryable } from '../database/db.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LOGGER } from '../logging/logger.token.js';
import { AppError } from '../common/app-error.js';
import { DefinitionsService, startEventsOf, type DefinitionRow } from './definitions.service.js';
import { RequestContext } from '../common/request-context.js';
import { auditRow, type AuditEntry } from '../audit/audit-writer.js';
import { emptyWrite, repo, writeStep, writeSteps, type IncidentSpec, type InstanceRow, type JobSpec, type StepWrite } from './workflow.repository.js';
import { StepCache } from './step-cache.js';
import './workflow.messages.js';

/**
 * One transaction of workflow work. `now` is the step time the engine sees (tests may set it).
 * `client` is the connection of the step's unit of work (the ambient transaction `tx` opens or
 * joins): services called during the step join it without being handed it.
 */
export interface StepCtx {
  client: Queryable;
  now: string;
  /** Set when a job became due at once, so the executor is woken after COMMIT. */
  jobsDue: boolean;
  /**
   * The user whose request this step serves (or whose earlier step scheduled the job it runs); null
   * for the platform (timer starts). Jobs the step schedules carry it, so a service task acts as them.
   */
  actor?: Actor | null;
  /**
   * Set in an optimistic step (`step`): nothing is locked, and the step's writes (one per instance)
   * wait here until the step's function returned, then go out as one statement. A second write to the
   * same instance or a call activity cannot: the step is then run again locked.
   */
  optimistic?: { writes: { w: StepWrite; row: InstanceRow }[]; fromCache: string | null };
}

/** A step inside a transaction (`tx`): its connection is the transaction's. */
export interface TxCtx extends StepCtx {
  client: PoolClient;
}

export interface Actor {
  id: string;
  username: string;
}

/** A start: the contract's `{ variables?, businessKey? }` (`StartProcessRequest`) and who starts it, where and under which parent. */
export interface StartRequest extends Pick<StartProcessRequest, 'variables' | 'businessKey'> {
  initiator: string;
  startEventId?: string;
  parent?: { id: string; callId: string };
}

/**
 * Limits on a message or signal sent through the API: which waiting instances the sender may reach,
 * and a check (throwing) that the variables are declared by the element that receives them.
 */
export interface EventGuard {
  reach(row: InstanceRow): Promise<boolean>;
  accept(model: ProcessModel, elementId: string, variables: Record<string, unknown>): void;
}

/** What a step writes besides the engine's effects. */
export interface StepExtra {
  /**
   * The user task this step completes (closed with the step, so a second completion finds it done),
   * and its assignee as the step saw it: a claim in between fails the step's guard.
   */
  closeTask?: { id: string; by: string; assignee: string | null };
  audit?: AuditEntry;
  /** The instance was cancelled: drop any runtime rows it may still hold. */
  clear?: boolean;
}

type Compute = (model: ProcessModel, state: InstanceState, opts: StepOptions) => StepResult;

/** SQLSTATE raised by crm.wf_step_guard: the instance changed since the step read it. */
export const STEP_CONFLICT = 'CRW01';
const RETRYABLE = new Set(['40P01', '40001', STEP_CONFLICT]);

/** An optimistic step that needs more than one statement: it is run again with the rows locked. */
class NeedsLock extends Error {}

@Injectable()
export class WorkflowRuntime {
  private readonly wakeups: (() => void)[] = [];
  /** What this process's optimistic steps last wrote: a completion of one of its tasks needs no read. */
  readonly cache = new StepCache();
  /** Attempts of service jobs before an incident (1 = no retry). */
  serviceAttempts: number;

  constructor(
    private readonly db: Db,
    private readonly defs: DefinitionsService,
    @Inject(LOGGER) private readonly logger: Logger,
    // Optional so the engine can run without the server's configuration (conformance tests).
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    this.serviceAttempts = config?.jobs.maxAttempts ?? 3;
  }

  onJobsDue(fn: () => void): void {
    this.wakeups.push(fn);
  }

  private actorOf(actor: Actor | null | undefined): Actor | null {
    if (actor !== undefined) return actor;
    const p = RequestContext.current()?.principal;
    return p ? { id: p.id, username: p.username } : null;
  }

  /**
   * Runs one step optimistically: fn reads without locking (one statement where it can), the engine
   * computes, and the step's writes go out as one guarded statement — no BEGIN, no lock, no COMMIT.
   * A step that lost its race (the guard's CRW01, a deadlock) or cannot be one statement (a call
   * activity, an instance moved twice) runs again by `tx`, locked, with the same step time. Inside an
   * open transaction it simply joins it, locked.
   */
  async step<T>(fn: (ctx: StepCtx) => Promise<T>, now?: string, actor?: Actor | null): Promise<T> {
    if (this.db.inTransaction()) return this.tx(fn, now, actor);
    const at = now ?? new Date().toISOString();
    // A step computed from the cache that lost its guard is most likely just stale: once more from a fresh read.
    for (let attempt = 1; attempt <= 2; attempt++) {
      const ctx: StepCtx = { client: this.db.pool, now: at, jobsDue: false, actor: this.actorOf(actor), optimistic: { writes: [], fromCache: null } };
      try {
        const out = await fn(ctx);
        const { writes } = ctx.optimistic!;
        if (writes.length) await writeSteps(this.db.pool, writes.map((x) => x.w));
        for (const { w, row } of writes) this.cache.remember(row, w);
        if (ctx.jobsDue) for (const wake of this.wakeups) wake();
        return out;
      } catch (err) {
        const { writes, fromCache } = ctx.optimistic!;
        for (const { row } of writes) this.cache.forget(row.id);
        if (fromCache) this.cache.forget(fromCache);
        // Nothing decided from the cache stands on its own, a refusal neither: it is decided again from a fresh read.
        if (fromCache && !(err instanceof NeedsLock)) continue;
        // A deadlock between two statements moving the same instances in another order is retried locked too (in id order).
        if (!(err instanceof NeedsLock) && !RETRYABLE.has((err as { code?: string }).code ?? '')) throw err;
        break;
      }
    }
    return this.tx(fn, at, actor);
  }

  /** Runs fn in a transaction; retries on deadlock / serialization failure; wakes the executor after COMMIT. */
  async tx<T>(fn: (ctx: TxCtx) => Promise<T>, now?: string, actor?: Actor | null): Promise<T> {
    const who = this.actorOf(actor);
    const joined = this.db.inTransaction();
    for (let attempt = 1; ; attempt++) {
      const ctx: Partial<TxCtx> = { jobsDue: false, actor: who };
      try {
        const out = await this.db.tx(async (client) => {
          ctx.client = client;
          ctx.now = now ?? new Date().toISOString();
          return fn(ctx as TxCtx);
        });
        if (ctx.jobsDue) for (const w of this.wakeups) w();
        return out;
      } catch (err) {
        const code = (err as { code?: string }).code;
        // Only a transaction of our own can be run again; a joined one is the outer writer's to retry.
        if (code && RETRYABLE.has(code) && attempt < 4 && !joined) continue;
        throw err;
      }
    }
  }

  async lock(ctx: StepCtx, instanceId: string): Promise<InstanceRow> {
    const row = await repo.lockInstance(ctx.client, instanceId);
    if (!row) throw new AppError(404, 'workflow.instance_not_found');
    return row;
  }

  /** The instance row: locked in a transaction; in an optimistic step only read (its write checks the version). */
  async load(ctx: StepCtx, instanceId: string): Promise<InstanceRow> {
    if (!ctx.optimistic) return this.lock(ctx, instanceId);
    const row = await repo.readInstance(ctx.client, instanceId);
    if (!row) throw new AppError(404, 'workflow.instance_not_found');
    return row;
  }

  /** Starts an instance of a definition in the caller's transaction: one statement for all its rows. */
  async start(ctx: StepCtx, def: DefinitionRow, req: StartRequest, audit?: AuditEntry): Promise<InstanceRow & { trace: TraceEntry[] }> {
    const model = await this.defs.model(ctx.client, def.id);
    const id = randomUUID();
    const opts = await this.defs.stepOptions(ctx.client, model);
    let result: StepResult;
    try {
      result = startInstance(model, {
        instanceId: id,
        initiator: req.initiator,
        now: ctx.now,
        ...opts,
        ...(req.variables ? { variables: req.variables } : {}),
        ...(req.businessKey !== undefined ? { businessKey: req.businessKey } : {}),
        ...(req.startEventId ? { startEventId: req.startEventId } : {}),
      });
    } catch (err) {
      if (err instanceof WorkflowEventError) throw new AppError(400, 'workflow.start_failed', { reason: err.message });
      throw err;
    }
    const ended = result.state.status === 'completed' || result.state.status === 'terminated';
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
      ended_at: ended ? new Date(ctx.now) : null,
    };
    const w = emptyWrite({ op: 'insert', row, endedAt: ended ? ctx.now : null }, ctx.now);
    await this.persist(ctx, row, result, w, audit ? { ...audit, recordId: audit.recordId ?? id } : undefined);
    return { ...row, trace: result.trace };
  }

  /**
   * Applies one engine step to a locked instance and persists its outcome in one statement. Engine
   * refusals (WorkflowEventError) propagate unchanged for the caller to translate.
   */
  async advance(ctx: StepCtx, row: InstanceRow, compute: Compute, extra: StepExtra = {}): Promise<StepResult> {
    const model = await this.defs.model(ctx.client, row.definition_id);
    const opts = await this.defs.stepOptions(ctx.client, model);
    const result = compute(model, row.state, { now: ctx.now, ...opts });
    const { state } = result;
    const ended = (state.status === 'completed' || state.status === 'terminated') && row.status !== state.status;
    const w = emptyWrite({ op: 'update', id: row.id, state, status: state.status, ended, rev: row.rev }, ctx.now);
    if (extra.closeTask) {
      w.closeTasks.push({ id: extra.closeTask.id, status: 'completed', by: extra.closeTask.by });
      w.expectTask = { id: extra.closeTask.id, assignee: extra.closeTask.assignee };
    }
    w.clear = !!extra.clear;
    await this.persist(ctx, row, result, w, extra.audit);
    row.state = state;
    row.status = state.status;
    row.rev += 1;
    if (ended) row.ended_at = new Date(ctx.now);
    return result;
  }

  /** Convenience: lock, apply one event, persist — in its own transaction. */
  async applyEvent(instanceId: string, event: WorkflowEvent, now?: string): Promise<StepResult> {
    return this.tx(async (ctx) => {
      const row = await this.lock(ctx, instanceId);
      return this.advance(ctx, row, (m, s, o) => handleEvent(m, s, event, o));
    }, now);
  }

  /** Folds the step's effects into its net writes, writes them in one statement, then runs call activities. */
  private async persist(ctx: StepCtx, row: InstanceRow, result: StepResult, w: StepWrite, audit: AuditEntry | undefined): Promise<void> {
    const { state } = result;
    w.history = result.trace;
    const tasks = new Map<string, StepWrite['newTasks'][number]>();
    const subs = new Map<string, StepWrite['subInserts'][number]>();
    const jobs = new Map<string, JobSpec | null>();
    const incidents = new Map<string, IncidentSpec>();
    const calls: Effect[] = [];
    const actor = ctx.actor ? { actor: ctx.actor } : {};
    for (const e of result.effects) {
      switch (e.type) {
        case 'createTask': {
          const { type: _t, ...t } = e;
          tasks.set(e.taskId, { t, definitionKey: row.definition_key, status: 'open' });
          break;
        }
        case 'cancelTask': {
          const created = tasks.get(e.taskId);
          if (created) created.status = 'cancelled';
          else w.closeTasks.push({ id: e.taskId, status: 'cancelled', by: null });
          break;
        }
        case 'scheduleTimer':
          jobs.set(e.timerId, { id: e.timerId, kind: 'timer', instanceId: row.id, activityId: e.activityId, dueAt: e.dueAt, payload: { ...actor, ...(e.repeat ? { repeat: e.repeat } : {}) } });
          if (Date.parse(e.dueAt) <= Date.now()) ctx.jobsDue = true;
          break;
        case 'cancelTimer':
          jobs.set(e.timerId, null);
          break;
        case 'cancelJob':
          jobs.set(e.jobId, null);
          break;
        case 'subscribeMessage':
          subs.set(e.subscriptionId, { id: e.subscriptionId, kind: 'message', name: e.name, correlationKey: e.correlationKey ?? null, activityId: e.activityId });
          break;
        case 'subscribeSignal':
          subs.set(e.subscriptionId, { id: e.subscriptionId, kind: 'signal', name: e.name, correlationKey: null, activityId: e.activityId });
          break;
        case 'unsubscribe':
          if (!subs.delete(e.subscriptionId)) w.subDeletes.push(e.subscriptionId);
          break;
        case 'runService':
          jobs.set(e.jobId, { id: e.jobId, kind: 'service', instanceId: row.id, activityId: e.activityId, dueAt: ctx.now, payload: { serviceType: e.serviceType, input: e.input, ...actor, ...(e.runAs ? { runAs: e.runAs } : {}) }, maxAttempts: this.serviceAttempts });
          ctx.jobsDue = true;
          break;
        case 'throwSignal': {
          // Broadcast after this step commits, by a job: the signal may reach this very instance.
          const id = randomUUID();
          jobs.set(id, { id, kind: 'signal', instanceId: null, activityId: null, dueAt: ctx.now, payload: { name: e.name, variables: e.variables, from: row.id, ...actor } });
          ctx.jobsDue = true;
          break;
        }
        case 'sendMessage': {
          const id = randomUUID();
          jobs.set(id, { id, kind: 'message', instanceId: null, activityId: null, dueAt: ctx.now, payload: { name: e.name, correlationKey: e.correlationKey ?? null, variables: e.variables, from: row.id, ...actor } });
          ctx.jobsDue = true;
          break;
        }
        case 'startCall':
        case 'cancelCall':
          calls.push(e);
          break;
        case 'incident':
          incidents.set(e.incidentId, { id: e.incidentId, instanceId: row.id, activityId: e.activityId, kind: 'engine', message: e.message });
          break;
        case 'incidentResolved': {
          const raised = incidents.get(e.incidentId);
          if (raised) raised.resolved = true;
          else w.resolveIncidents.push(e.incidentId);
          break;
        }
        case 'completed':
          if (row.parent_id && row.parent_call_id) {
            const id = `${row.id}:done`;
            jobs.set(id, { id, kind: 'call-completed', instanceId: row.parent_id, activityId: null, dueAt: ctx.now, payload: { callId: row.parent_call_id, variables: variablesOf(state), ...actor } });
            ctx.jobsDue = true;
          }
          break;
        case 'terminated':
          break;
      }
    }
    w.newTasks = [...tasks.values()];
    w.subInserts = [...subs.values()];
    for (const [id, j] of jobs) {
      if (j) w.jobUpserts.push(j);
      else w.jobDeletes.push(id);
    }
    w.incidents = [...incidents.values()];
    if (audit) w.audit.push(auditRow(audit));
    if (ctx.optimistic) {
      if (calls.length || ctx.optimistic.writes.some((o) => o.row.id === row.id)) throw new NeedsLock();
      ctx.optimistic.writes.push({ w, row });
      return;
    }
    // A locked step moves the instance past what the cache holds.
    this.cache.forget(row.id);
    await writeStep(ctx.client, w);
    for (const e of calls) {
      if (e.type === 'startCall') await this.startCall(ctx, row, e.callId, e.processKey, e.variables);
      else if (e.type === 'cancelCall') await this.cancelCall(ctx, row, e.callId);
    }
  }

  /**
   * A call activity starts the latest version of the called process as a child, in this transaction.
   * The engine raised an incident instead when the process was not deployed (deploys are never undone).
   */
  private async startCall(ctx: StepCtx, parent: InstanceRow, callId: string, processKey: string, variables: Record<string, unknown>): Promise<void> {
    const def = await this.defs.latest(ctx.client, processKey);
    if (!def) throw new Error(`called process ${processKey} is not deployed`);
    await this.start(ctx, def, { variables, initiator: parent.initiator ?? 'system', parent: { id: parent.id, callId } });
  }

  private async cancelCall(ctx: StepCtx, parent: InstanceRow, callId: string): Promise<void> {
    const { rows } = await ctx.client.query<{ id: string }>(
      `SELECT id FROM crm.wf_instances WHERE parent_id = $1 AND parent_call_id = $2 AND status IN ('active', 'incident')`,
      [parent.id, callId],
    );
    // Parent before child: the only lock order between two instances, so no deadlock.
    for (const { id } of rows) {
      const child = await this.lock(ctx, id);
      if (child.status !== 'active' && child.status !== 'incident') continue;
      await this.advance(ctx, child, (m, s, o) => handleEvent(m, s, { type: 'cancel' }, o), { clear: true });
    }
  }

  // ------------------------------------------------------------------ operations used by services and jobs

  /**
   * Completes an open user task of a locked instance (the caller checked who may). The task row is
   * closed with the step, so of two concurrent completions the second finds it done.
   */
  async completeTask(ctx: StepCtx, row: InstanceRow, task: { id: string; assignee: string | null }, by: string, variables: Record<string, unknown> | undefined, audit?: AuditEntry): Promise<StepResult> {
    const taskId = task.id;
    return this.advance(ctx, row, (m, s, o) => handleEvent(m, s, { type: 'completeTask', taskId, by, ...(variables ? { variables } : {}) }, o), {
      closeTask: { id: taskId, by, assignee: task.assignee },
      ...(audit ? { audit } : {}),
    });
  }

  async cancel(ctx: StepCtx, instanceId: string): Promise<InstanceRow> {
    const row = await this.load(ctx, instanceId);
    try {
      await this.advance(ctx, row, (m, s, o) => handleEvent(m, s, { type: 'cancel' }, o), { clear: true });
    } catch (err) {
      if (err instanceof WorkflowEventError && err.code === 'NOT_ACTIVE') throw new AppError(409, 'workflow.instance_ended');
      throw err;
    }
    return row;
  }

  async setVariables(ctx: StepCtx, instanceId: string, vars: Record<string, unknown>): Promise<InstanceRow> {
    const row = await this.lock(ctx, instanceId);
    if (row.status !== 'active' && row.status !== 'incident') throw new AppError(409, 'workflow.instance_ended');
    await this.advance(ctx, row, (_m, s) => ({ state: setVariables(s, vars), effects: [], trace: [] }));
    return row;
  }

  /** Retries an incident: an engine incident re-runs its element; a parked job runs again. */
  async retryIncident(ctx: StepCtx, incidentId: string, by: string): Promise<{ instanceId: string }> {
    const { rows } = await ctx.client.query<{ id: string; instance_id: string; kind: string; activity_id: string; job_id: string | null }>(
      'SELECT id, instance_id, kind, activity_id, job_id FROM crm.wf_incidents WHERE id = $1 AND resolved_at IS NULL',
      [incidentId],
    );
    const inc = rows[0];
    if (!inc) throw new AppError(404, 'workflow.incident_not_found');
    const row = await this.lock(ctx, inc.instance_id);
    if (inc.kind === 'job' && inc.job_id && !row.state.incidents[incidentId]) {
      // A job parked after unexpected failures: run it again now.
      await ctx.client.query(`UPDATE crm.wf_jobs SET due_at = $2, attempts = 0, last_error = NULL, lease_owner = NULL, lease_until = NULL WHERE id = $1`, [inc.job_id, ctx.now]);
      await repo.resolveIncident(ctx.client, inc.id, ctx.now, by);
      await ctx.client.query('UPDATE crm.wf_instances SET status = $2, rev = rev + 1 WHERE id = $1', [row.id, row.state.status]);
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
  async correlateMessage(ctx: StepCtx, name: string, correlationKey: string | null, variables: Record<string, unknown> | undefined, initiator: string, guard?: EventGuard): Promise<number> {
    const { waiting, starts } = await this.eventTargets(ctx, 'message', name, correlationKey);
    let n = 0;
    for (const w of waiting) {
      const row = await w.load();
      if (row.status !== 'active' && row.status !== 'incident') continue;
      const sub = w.subs.find((s) => row.state.waits[s]);
      if (!sub) continue;
      if (guard && !(await guard.reach(row))) continue;
      if (guard && variables) guard.accept(await this.defs.model(ctx.client, row.definition_id), row.state.waits[sub]!.elementId, variables);
      await this.advance(ctx, row, (m, s, o) => handleEvent(m, s, { type: 'message', subscriptionId: sub, name, ...(variables ? { variables } : {}) }, o));
      n++;
    }
    for (const { def, startEventId } of starts) {
      if (guard && variables) guard.accept(await this.defs.model(ctx.client, def.id), startEventId, variables);
      await this.start(ctx, def, { startEventId, initiator, ...(variables ? { variables } : {}), ...(correlationKey !== null ? { businessKey: correlationKey } : {}) });
      n++;
    }
    return n;
  }

  /** Broadcasts a signal: every open subscription of that name, and every signal start event. */
  async broadcastSignal(ctx: StepCtx, name: string, variables: Record<string, unknown> | undefined, initiator: string, guard?: EventGuard): Promise<number> {
    const { waiting, starts } = await this.eventTargets(ctx, 'signal', name, null);
    let n = 0;
    for (const w of waiting) {
      const row = await w.load();
      if (guard && !(await guard.reach(row))) continue;
      for (const sub of w.subs) {
        if (row.status !== 'active' && row.status !== 'incident') break;
        if (!row.state.waits[sub]) continue;
        if (guard && variables) guard.accept(await this.defs.model(ctx.client, row.definition_id), row.state.waits[sub]!.elementId, variables);
        await this.advance(ctx, row, (m, s, o) => handleEvent(m, s, { type: 'signal', subscriptionId: sub, name, ...(variables ? { variables } : {}) }, o));
        n++;
      }
    }
    for (const { def, startEventId } of starts) {
      if (guard && variables) guard.accept(await this.defs.model(ctx.client, def.id), startEventId, variables);
      await this.start(ctx, def, { startEventId, initiator, ...(variables ? { variables } : {}) });
      n++;
    }
    return n;
  }

  /**
   * Who waits for a message or signal, and which processes start on it. Locked: the subscriptions,
   * then each instance locked when its turn comes (in id order). Optimistic: all of it in one read.
   */
  private async eventTargets(ctx: StepCtx, kind: 'message' | 'signal', name: string, correlationKey: string | null): Promise<{ waiting: { subs: string[]; load: () => Promise<InstanceRow> }[]; starts: { def: DefinitionRow; startEventId: string }[] }> {
    if (ctx.optimistic) {
      const t = await repo.eventTargets(ctx.client, kind, name, correlationKey);
      const rows = new Map(t.waiting.map((w) => [w.row.id, w.row]));
      const waiting = [...groupBy(t.waiting.map((w) => ({ id: w.sub, instance_id: w.row.id })))].map(([id, subs]) => ({ subs, load: async () => rows.get(id)! }));
      return { waiting, starts: startEventsOf(t.starts, kind, name) };
    }
    const subs = await repo.subscriptions(ctx.client, kind, name, correlationKey);
    // Instances in id order, so two broadcasts lock them in the same order.
    const waiting = [...groupBy(subs)].map(([id, s]) => ({ subs: s, load: () => this.lock(ctx, id) }));
    return { waiting, starts: await this.defs.startsFor(ctx.client, kind, name) };
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
