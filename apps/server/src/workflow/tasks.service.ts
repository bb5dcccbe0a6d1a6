/**
 * The task inbox: open user tasks a caller may see (assignee, candidate roles, candidate org units),
 * claim, and complete — which validates the task's form, applies the four-eyes rule and advances the
 * instance as one optimistic step (one read, one guarded write; see WorkflowRuntime.step): of two
 * users completing at once, one wins and the other gets 409.
 */
import { Injectable } from '@nestjs/common';
import { declaredNames, openTasks, taskOutcomes, variablesOf, WorkflowEventError, type ElementDef, type InstanceState, type ProcessModel } from '@crm/workflow-engine';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { AuditService } from '../audit/audit.service.js';
import { DefinitionsService } from './definitions.service.js';
import { RequestVariables } from './request-variables.js';
import type { Principal } from '../auth/principal.js';
import { WorkflowAccess } from './workflow-access.js';
import { WorkflowRuntime, type StepCtx } from './runtime.service.js';
import { datesOf, type InstanceRow, type TaskRow } from './workflow.repository.js';
import type { CompleteTaskResponse, Items, Task, TaskContext, TaskDetail, TaskScope, Unserialized } from '@crm/shared';
import { ScopedReader } from '../records/scoped-reader.js';
import { DisplayValues } from '../records/display-values.js';
import { MetadataService } from '../metadata/metadata.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The record a process runs for: its `object` and `recordId` variables (set by a record trigger, or given at start). */
interface ContextRef {
  object: string;
  recordId: string;
}

/**
 * The record references a process declares at its start (`crm:inputs="customerId:customer"`): a
 * process started with no `object`/`recordId` (a schedule, a message) runs for the first of these it holds.
 */
function declaredStartRefs(model: ProcessModel): [string, string][] {
  const out: [string, string][] = [];
  for (const id of model.scopes[model.id]?.startEvents ?? []) out.push(...Object.entries(model.elements[id]?.declaredRefs ?? {}));
  return out;
}

function contextRef(object: unknown, recordId: unknown): ContextRef | null {
  return typeof object === 'string' && /^[a-z][a-z0-9_]{0,62}$/.test(object) && typeof recordId === 'string' && UUID.test(recordId)
    ? { object, recordId: recordId.toLowerCase() }
    : null;
}

export type { TaskScope };

export function taskDto(t: TaskRow): Unserialized<Task> {
  return {
    id: t.id,
    name: t.name,
    activityId: t.activity_id,
    processInstanceId: t.instance_id,
    processDefinitionKey: t.definition_key,
    assignee: t.assignee,
    candidateGroups: t.candidate_groups,
    candidateOrgUnits: t.candidate_org_units,
    dueAt: t.due_at,
    formKey: t.form_key,
    status: t.status,
    createdAt: t.created_at,
    ...(t.status !== 'open' ? { endedAt: t.ended_at, completedBy: t.completed_by } : {}),
  };
}

/** Variables visible to a task: the process variables with the task's own scopes (e.g. a multi-instance item) over them. */
export function taskVariables(state: InstanceState, taskId: string): Record<string, unknown> {
  const wait = state.waits[taskId];
  const chain: Record<string, unknown>[] = [];
  for (let id: string | null = wait ? wait.execId : state.rootId; id; ) {
    const e: InstanceState['execs'][string] | undefined = state.execs[id];
    if (!e) break;
    if (e.vars) chain.push(e.vars);
    id = e.parent;
  }
  const out: Record<string, unknown> = {};
  for (let i = chain.length - 1; i >= 0; i--) Object.assign(out, chain[i]);
  return out;
}

@Injectable()
export class TasksService {
  constructor(
    private readonly db: Db,
    private readonly runtime: WorkflowRuntime,
    private readonly access: WorkflowAccess,
    private readonly audit: AuditService,
    private readonly defs: DefinitionsService,
    private readonly inputs: RequestVariables,
    private readonly reader: ScopedReader,
    private readonly display: DisplayValues,
    private readonly meta: MetadataService,
  ) {}

  /**
   * For tasks whose process holds no `object`/`recordId`: the first record reference its start
   * declares (one read of just those variables for every such task).
   */
  private async fillDeclaredRefs(rows: { instance_id: string; definition_id: string }[], refs: (ContextRef | null)[]): Promise<void> {
    const missing = rows.map((r, i) => ({ r, i })).filter(({ i }) => !refs[i]);
    if (!missing.length) return;
    const declared = new Map<string, [string, string][]>();
    for (const { r } of missing) if (!declared.has(r.definition_id)) declared.set(r.definition_id, declaredStartRefs(await this.defs.model(this.db.q, r.definition_id)));
    const names = [...new Set([...declared.values()].flat().map(([n]) => n))];
    const wanted = missing.filter(({ r }) => declared.get(r.definition_id)!.length);
    if (!names.length || !wanted.length) return;
    const vals = await this.db.query<{ id: string; key: string; value: string }>(
      `SELECT i.id::text AS id, v.key, v.value FROM crm.wf_instances i CROSS JOIN LATERAL jsonb_each_text(i.state->'execs'->(i.state->>'rootId')->'vars') v
        WHERE i.id = ANY($1::uuid[]) AND v.key = ANY($2::text[])`,
      [[...new Set(wanted.map(({ r }) => r.instance_id))], names],
    );
    const byInstance = new Map<string, Map<string, string>>();
    for (const v of vals) byInstance.set(v.id, (byInstance.get(v.id) ?? new Map()).set(v.key, v.value));
    for (const { r, i } of wanted) {
      const vars = byInstance.get(r.instance_id);
      for (const [name, object] of declared.get(r.definition_id)!) refs[i] ??= contextRef(object, vars?.get(name));
    }
  }

  /**
   * The contexts of tasks, titled through the scoped reader as `p` may see them: a record outside
   * their rights is `restricted`, with no title (one statement per object, whatever the number of tasks).
   */
  private async contexts(p: Principal, refs: (ContextRef | null)[]): Promise<(TaskContext | null)[]> {
    const wanted = refs.filter((r): r is ContextRef => r !== null).map((r) => ({ object: r.object, id: r.recordId }));
    const titles = wanted.length ? await this.reader.titles(wanted, p) : new Map<string, string | null>();
    const objects = (await this.meta.current()).objects;
    return refs.map((r) => {
      if (!r) return null;
      const k = `${r.object}:${r.recordId}`;
      const readable = titles.has(k);
      return { object: r.object, objectLabel: objects.get(r.object)?.label ?? null, recordId: r.recordId, title: readable ? (titles.get(k) ?? null) : null, restricted: !readable };
    });
  }

  async list(p: Principal, scope: TaskScope, limit: number): Promise<Unserialized<Items<Task>>> {
    const me = [p.username, p.id];
    const units = await this.access.unitKeysOf(p);
    const admin = scope === 'all' && (await this.access.has(p, 'process.admin'));
    const mine = 't.assignee = ANY($1::text[])';
    const candidate = `(t.assignee IS NULL AND (t.candidate_groups && $2::text[] OR t.candidate_org_units && $3::text[]) AND NOT (t.exclude_users && $1::text[]))`;
    const where = admin ? 'true' : scope === 'mine' ? mine : scope === 'candidate' ? candidate : `(${mine} OR ${candidate})`;
    // Every parameter is typed in the SQL even when the chosen scope does not use it.
    // With the record each task's process runs for (the root scope's `object` and `recordId`).
    const rows = await this.db.query<TaskRow & { ctx_object: unknown; ctx_record: unknown; definition_id: string }>(
      `SELECT t.*, i.state->'execs'->(i.state->>'rootId')->'vars'->>'object' AS ctx_object,
              i.state->'execs'->(i.state->>'rootId')->'vars'->>'recordId' AS ctx_record, i.definition_id
         FROM crm.wf_tasks t JOIN crm.wf_instances i ON i.id = t.instance_id
        WHERE t.status = 'open' AND ${where}
         AND cardinality($1::text[]) >= 0 AND cardinality($2::text[]) >= 0 AND cardinality($3::text[]) >= 0
       ORDER BY t.due_at ASC NULLS LAST, t.created_at ASC, t.id LIMIT $4`,
      [me, p.roles, units, limit],
    );
    const refs = rows.map((r) => contextRef(r.ctx_object, r.ctx_record));
    await this.fillDeclaredRefs(rows, refs);
    const contexts = await this.contexts(p, refs);
    return { items: rows.map((r, i) => ({ ...taskDto(r), context: contexts[i] ?? null })) };
  }

  private async find(id: string): Promise<TaskRow> {
    const t = await this.db.one<TaskRow>('SELECT * FROM crm.wf_tasks WHERE id = $1', [id]);
    if (!t) throw new AppError(404, 'workflow.task_not_found');
    return t;
  }

  /** A task with its form key and the variables of its instance, to whoever may work it (or did). */
  async get(p: Principal, id: string): Promise<Unserialized<TaskDetail>> {
    const t = await this.find(id);
    const allowed =
      this.access.isMe(p, t.completed_by) || (await this.access.mayWork(p, t)) || (await this.access.has(p, 'process.admin'));
    if (!allowed) throw new AppError(404, 'workflow.task_not_found');
    const inst = await this.db.one<{ state: InstanceState; status: string; business_key: string | null; definition_id: string }>(
      'SELECT state, status, business_key, definition_id FROM crm.wf_instances WHERE id = $1',
      [t.instance_id],
    );
    const model = inst ? await this.defs.model(this.db.q, inst.definition_id) : undefined;
    const vars = inst ? variablesOf(inst.state) : {};
    let ref = contextRef(vars.object, vars.recordId);
    for (const [name, object] of model && !ref ? declaredStartRefs(model) : []) ref ??= contextRef(object, vars[name]);
    const [context] = await this.contexts(p, [ref]);
    return {
      ...taskDto(t),
      context: context ?? null,
      record: context && !context.restricted ? await this.contextRecord(p, context) : null,
      outcomes: model ? taskOutcomes(model, t.activity_id) : [],
      excludeUsers: t.exclude_users,
      outputs: model?.elements[t.activity_id]?.declared ?? [],
      businessKey: inst?.business_key ?? null,
      variables: inst ? taskVariables(inst.state, t.id) : {},
      canComplete: t.status === 'open' && (await this.access.mayWork(p, t)) && !this.access.excluded(p, t),
    };
  }

  /** The context record's fields as `p` may see them (the scoped reader's view), with the titles of what it points at. */
  private async contextRecord(p: Principal, c: ContextRef): Promise<Unserialized<TaskDetail>['record']> {
    let values: Record<string, unknown>;
    try {
      values = await this.reader.get(c.object, c.recordId, p);
    } catch (err) {
      // Read between the title and now: deleted, or the rights changed. Shown as restricted.
      if (err instanceof AppError && (err.status === 403 || err.status === 404)) return null;
      throw err;
    }
    const o = await this.meta.object(c.object);
    const [display] = await this.display.forRows(o.fields, [values], p);
    return { values, display: display ?? {} };
  }

  /**
   * Reads the task with its instance in one round trip. In a transaction the instance row is locked
   * (every write to a task happens under its instance's lock); in an optimistic step it is only read —
   * or not at all when this process's last step of the instance opened it (the step cache) — and the
   * step's write checks that neither the instance nor the task's status and assignee changed since.
   * The engine state is the truth: a task row read stale is caught there.
   * The task row is locked too: a statement that waited for the instance's lock re-reads only the rows it
   * locks, so with the instance alone it went on with the task as it was before the wait — and a claim
   * then overwrote the claim committed meanwhile.
   */
  private async lockTask(ctx: StepCtx, id: string): Promise<{ row: InstanceRow; task: TaskRow }> {
    const hit = ctx.optimistic ? this.runtime.cache.task(id) : undefined;
    if (hit) {
      ctx.optimistic!.fromCache = hit.row.id;
      return hit;
    }
    const { rows } = await ctx.client.query<InstanceRow & { task: TaskRow }>(
      `SELECT i.*, to_jsonb(t) AS task FROM crm.wf_tasks t JOIN crm.wf_instances i ON i.id = t.instance_id WHERE t.id = $1${ctx.optimistic ? '' : ' FOR UPDATE OF i, t'}`,
      [id],
    );
    const r = rows[0];
    if (!r) throw new AppError(404, 'workflow.task_not_found');
    const { task, ...row } = r;
    return { row: row as InstanceRow, task: datesOf(task, ['due_at', 'created_at', 'claimed_at', 'ended_at']) };
  }

  async claim(p: Principal, id: string): Promise<Unserialized<Task>> {
    // A claim changes the assignee a cached completion would assume (its guard would catch it; this saves the retry).
    this.runtime.cache.forgetTask(id);
    return this.runtime.tx(async (ctx) => {
      const { task: t } = await this.lockTask(ctx, id);
      // Like GET: a task one may neither work nor has worked does not exist for the caller (no assignee named).
      const visible = this.access.isMe(p, t.completed_by) || this.access.isMe(p, t.assignee) || (await this.access.isCandidate(p, t)) || (await this.access.has(p, 'process.admin'));
      if (!visible) throw new AppError(404, 'workflow.task_not_found');
      if (t.status !== 'open') throw new AppError(409, 'workflow.task_done');
      if (t.assignee && this.access.isMe(p, t.assignee)) return taskDto(t);
      if (t.assignee) throw new AppError(409, 'workflow.task_claimed', { assignee: t.assignee });
      if (!(await this.access.mayWork(p, t))) throw new AppError(403, 'workflow.task_not_yours');
      if (this.access.excluded(p, t)) throw new AppError(403, 'workflow.four_eyes');
      const { rows: upd } = await ctx.client.query<TaskRow>(`UPDATE crm.wf_tasks SET assignee = $2, claimed_at = now() WHERE id = $1 RETURNING *`, [id, p.username]);
      await this.audit.record({ action: 'workflow.task_claim', object: 'task', recordId: id, data: { instanceId: t.instance_id, activityId: t.activity_id } });
      return taskDto(upd[0]!);
    });
  }

  /**
   * The element whose declarations a completion is checked against. A task of a model deployed before
   * models declared their outputs (release 1.0) takes them from the same activity of the latest version
   * of its process: instances started before an upgrade keep running, and still take only declared
   * variables (deploying needs the designer right, so this grants nothing a designer could not declare).
   */
  private async declaringElement(ctx: StepCtx, row: InstanceRow, model: ProcessModel, activityId: string, formKey: string | null): Promise<ElementDef | undefined> {
    const el = model.elements[activityId];
    if (declaredNames(el).length || formKey) return el;
    const { rows } = await ctx.client.query<{ id: string }>('SELECT id FROM crm.wf_definitions WHERE key = $1 ORDER BY version DESC LIMIT 1', [row.definition_key]);
    if (!rows[0] || rows[0].id === row.definition_id) return el;
    return (await this.defs.model(ctx.client, rows[0].id)).elements[activityId] ?? el;
  }

  async complete(p: Principal, id: string, variables: Record<string, unknown> | undefined): Promise<Unserialized<CompleteTaskResponse>> {
    return this.runtime.step(async (ctx) => {
      const { row, task: t } = await this.lockTask(ctx, id);
      if (t.status !== 'open') throw new AppError(409, 'workflow.task_done');
      await this.checkMay(p, t);
      const model = await this.defs.model(ctx.client, row.definition_id);
      // Which element declares the variables matters only when some are given (a completion without any reads no more).
      const el = variables && Object.keys(variables).length ? await this.declaringElement(ctx, row, model, t.activity_id, t.form_key) : model.elements[t.activity_id];
      const values = await this.inputs.accept(p, model, el, variables, t.form_key);
      try {
        await this.runtime.completeTask(ctx, row, { id, assignee: t.assignee }, p.username, values, {
          action: 'workflow.task_complete', object: 'task', recordId: id, data: { instanceId: row.id, activityId: t.activity_id, definitionKey: t.definition_key },
        });
      } catch (err) {
        if (err instanceof WorkflowEventError) {
          if (err.code === 'EXCLUDED_USER') throw new AppError(403, 'workflow.four_eyes');
          if (err.code === 'NOT_FOUND' || err.code === 'NOT_ACTIVE') throw new AppError(409, 'workflow.task_done');
        }
        throw err;
      }
      // The instance's open tasks after this step, so a client can go on without searching its inbox.
      const next = openTasks(row.state).map((x) => ({ id: x.taskId, activityId: x.activityId, name: x.name ?? null }));
      return { id, status: 'completed' as const, processInstanceId: row.id, instanceState: row.status, tasks: next };
    });
  }

  private async checkMay(p: Principal, t: TaskRow): Promise<void> {
    if (!(await this.access.mayWork(p, t))) throw new AppError(403, 'workflow.task_not_yours');
    if (this.access.excluded(p, t)) throw new AppError(403, 'workflow.four_eyes');
  }
}
