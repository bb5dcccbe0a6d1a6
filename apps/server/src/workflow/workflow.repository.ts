/** SQL of the workflow runtime tables. Values are always bound; every list is bounded. */
import type { InstanceState, TaskInfo, TraceEntry } from '@crm/workflow-engine';
import type { Queryable } from '../database/db.js';
import { auditInsertRowsSql, type AuditRow } from '../audit/audit-writer.js';
import { latestStartingOnSql, startsParam, type DefinitionRow } from './definitions.service.js';

export type { AuditRow } from '../audit/audit-writer.js';

export interface InstanceRow {
  id: string;
  definition_id: string;
  definition_key: string;
  version: number;
  business_key: string | null;
  status: InstanceState['status'];
  state: InstanceState;
  rev: number;
  initiator: string | null;
  parent_id: string | null;
  parent_call_id: string | null;
  started_at: Date;
  updated_at: Date;
  ended_at: Date | null;
}

export interface TaskRow {
  id: string;
  instance_id: string;
  definition_key: string;
  activity_id: string;
  name: string | null;
  assignee: string | null;
  candidate_groups: string[];
  candidate_org_units: string[];
  exclude_users: string[];
  form_key: string | null;
  due_at: Date | null;
  status: 'open' | 'completed' | 'cancelled';
  created_at: Date;
  claimed_at: Date | null;
  ended_at: Date | null;
  completed_by: string | null;
}

export interface JobRow {
  id: string;
  kind: 'timer' | 'service' | 'message' | 'signal' | 'call-completed';
  instance_id: string | null;
  activity_id: string | null;
  due_at: Date;
  payload: Record<string, unknown>;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  lease_owner: string | null;
  lease_until: Date | null;
}

export const repo = {
  async lockInstance(c: Queryable, id: string): Promise<InstanceRow | undefined> {
    const { rows } = await c.query<InstanceRow>('SELECT * FROM crm.wf_instances WHERE id = $1 FOR UPDATE', [id]);
    return rows[0];
  },

  /** The row without a lock, for an optimistic step (its write checks `rev`). */
  async readInstance(c: Queryable, id: string): Promise<InstanceRow | undefined> {
    const { rows } = await c.query<InstanceRow>('SELECT * FROM crm.wf_instances WHERE id = $1', [id]);
    return rows[0];
  },

  /** Open subscriptions to a message (of this correlation key, when given) or a signal, oldest first per instance. */
  async subscriptions(c: Queryable, kind: 'message' | 'signal', name: string, correlationKey: string | null): Promise<{ id: string; instance_id: string }[]> {
    const { rows } = await c.query<{ id: string; instance_id: string }>(`${SUBSCRIPTIONS_SQL} ORDER BY instance_id, created_at, id LIMIT 500`, [kind, name, correlationKey]);
    return rows;
  },

  /**
   * For an optimistic step, in one read: the open subscriptions to a message or signal with their
   * instance rows (not locked), and the latest definitions that start on it.
   */
  async eventTargets(c: Queryable, kind: 'message' | 'signal', name: string, correlationKey: string | null): Promise<{ waiting: { sub: string; row: InstanceRow }[]; starts: DefinitionRow[] }> {
    const { rows } = await c.query<{ sub: string | null; row: InstanceRow | null; def: DefinitionRow | null }>(
      `WITH s AS (${SUBSCRIPTIONS_SQL} ORDER BY instance_id, created_at, id LIMIT 500)
       SELECT 0 AS ord, s.instance_id, s.created_at, s.id AS sub, to_jsonb(i) AS row, NULL::jsonb AS def FROM s JOIN crm.wf_instances i ON i.id = s.instance_id
       UNION ALL
       SELECT 1, NULL, NULL, NULL, NULL, to_jsonb(d) FROM (${latestStartingOnSql('$4')}) d
       ORDER BY ord, instance_id, created_at, sub`,
      [kind, name, correlationKey, startsParam(kind, name)],
    );
    const waiting: { sub: string; row: InstanceRow }[] = [];
    const starts: DefinitionRow[] = [];
    for (const r of rows) {
      if (r.row) waiting.push({ sub: r.sub!, row: datesOf(r.row, ['started_at', 'updated_at', 'ended_at']) });
      else if (r.def) starts.push(datesOf(r.def, ['deployed_at']));
    }
    return { waiting, starts };
  },

  async deleteJob(c: Queryable, id: string): Promise<void> {
    await c.query('DELETE FROM crm.wf_jobs WHERE id = $1', [id]);
  },

  async insertIncident(c: Queryable, i: { id: string; instanceId: string; activityId: string; kind: 'engine' | 'job' | 'call'; message: string; jobId?: string; payload?: unknown; now: string }): Promise<void> {
    await c.query(
      `INSERT INTO crm.wf_incidents (id, instance_id, activity_id, kind, message, job_id, payload, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET message = EXCLUDED.message, resolved_at = NULL, resolved_by = NULL`,
      [i.id, i.instanceId, i.activityId, i.kind, i.message.slice(0, 2000), i.jobId ?? null, i.payload === undefined ? null : JSON.stringify(i.payload), i.now],
    );
  },

  async resolveIncident(c: Queryable, id: string, now: string, by: string | null): Promise<void> {
    await c.query('UPDATE crm.wf_incidents SET resolved_at = $2, resolved_by = $3 WHERE id = $1 AND resolved_at IS NULL', [id, now, by]);
  },
};

const SUBSCRIPTIONS_SQL = `SELECT id, instance_id, created_at FROM crm.wf_subscriptions
       WHERE kind = $1 AND name = $2 AND ($3::text IS NULL OR correlation_key = $3)`;

/** A row read through to_jsonb carries its timestamps as text: back to Date. */
export function datesOf<T>(row: T, keys: (keyof T)[]): T {
  for (const k of keys) if (row[k]) row[k] = new Date(row[k] as unknown as string) as T[keyof T];
  return row;
}

// ------------------------------------------------------------------ one statement per step

export interface JobSpec {
  id: string;
  kind: JobRow['kind'];
  instanceId: string | null;
  activityId: string | null;
  dueAt: string;
  payload: unknown;
  maxAttempts?: number;
}

export interface IncidentSpec {
  id: string;
  instanceId: string;
  activityId: string;
  kind: 'engine' | 'job';
  message: string;
  resolved?: boolean;
}

/**
 * The net writes of one engine step. Effects are folded first (a task created and cancelled in the
 * same step is inserted cancelled, a subscription opened and closed is never written), so no row is
 * touched twice and the whole step goes to the database as one statement of data-modifying CTEs.
 */
export interface StepWrite {
  instance:
    | { op: 'insert'; row: Omit<InstanceRow, 'rev' | 'updated_at' | 'ended_at'>; endedAt: string | null }
    /** `rev`: the version the step was computed from; the write is undone (CRW01) unless the row still has it. */
    | { op: 'update'; id: string; state: InstanceState; status: string; ended: boolean; rev: number };
  now: string;
  history: TraceEntry[];
  newTasks: { t: TaskInfo; definitionKey: string; status: 'open' | 'cancelled' }[];
  closeTasks: { id: string; status: 'completed' | 'cancelled'; by: string | null }[];
  /** The completed task must still be open with this assignee (a claim in between undoes the step). */
  expectTask?: { id: string; assignee: string | null };
  jobUpserts: JobSpec[];
  jobDeletes: string[];
  subInserts: { id: string; kind: 'message' | 'signal'; name: string; correlationKey: string | null; activityId: string }[];
  subDeletes: string[];
  incidents: IncidentSpec[];
  resolveIncidents: string[];
  audit: AuditRow[];
  /** The instance ended by cancel: drop whatever runtime rows it may still hold. */
  clear: boolean;
}

export function emptyWrite(instance: StepWrite['instance'], now: string): StepWrite {
  return { instance, now, history: [], newTasks: [], closeTasks: [], jobUpserts: [], jobDeletes: [], subInserts: [], subDeletes: [], incidents: [], resolveIncidents: [], audit: [], clear: false };
}

/**
 * The CTEs of one step, named with prefix `k`, and the conditions of its guard: an update holds only
 * while the instance row still has the step's `rev` (and the completed task is still open with the
 * assignee the step saw). Identifiers are constants; every value is bound.
 */
function stepCtes(w: StepWrite, p: (v: unknown) => string, k: string): { ctes: string[]; guard: string[] } {
  const ctes: string[] = [];
  const instanceId = w.instance.op === 'insert' ? w.instance.row.id : w.instance.id;
  const iid = p(instanceId);
  const now = p(w.now);
  if (w.instance.op === 'insert') {
    const r = w.instance.row;
    ctes.push(`${k}i AS (INSERT INTO crm.wf_instances (id, definition_id, definition_key, version, business_key, status, state, initiator, parent_id, parent_call_id, started_at, updated_at, ended_at)
      VALUES (${iid}::uuid, ${p(r.definition_id)}::uuid, ${p(r.definition_key)}, ${p(r.version)}::int, ${p(r.business_key)}, ${p(r.status)}, ${p(JSON.stringify(r.state))}::jsonb, ${p(r.initiator)}, ${p(r.parent_id)}::uuid, ${p(r.parent_call_id)}, ${now}::timestamptz, ${now}::timestamptz, ${p(w.instance.endedAt)}::timestamptz))`);
  } else {
    ctes.push(`${k}i AS (UPDATE crm.wf_instances SET state = ${p(JSON.stringify(w.instance.state))}::jsonb, status = ${p(w.instance.status)}, rev = rev + 1, updated_at = ${now}::timestamptz,
      ended_at = CASE WHEN ${p(w.instance.ended)}::boolean THEN ${now}::timestamptz ELSE ended_at END WHERE id = ${iid}::uuid AND rev = ${p(w.instance.rev)}::int RETURNING 1)`);
  }
  const guard: string[] = w.instance.op === 'update' ? [`(SELECT count(*) FROM ${k}i) = 1`] : [];
  if (w.history.length) {
    ctes.push(`${k}h AS (INSERT INTO crm.wf_history (instance_id, element_instance_id, activity_id, type, event, by, at)
      SELECT ${iid}::uuid, x.e, x.a, x.t, x.v, x.b, x.at FROM jsonb_to_recordset(${p(JSON.stringify(w.history.map((t) => ({ e: t.elementInstanceId, a: t.activityId, t: t.type, v: t.event, b: t.by ?? null, at: t.at }))))}::jsonb)
        AS x(e text, a text, t text, v text, b text, at timestamptz))`);
  }
  if (w.newTasks.length) {
    const rows = w.newTasks.map(({ t, definitionKey, status }) => ({
      id: t.taskId, k: definitionKey, a: t.activityId, n: t.name ?? null, as: t.assignee ?? null, g: t.candidateGroups, u: t.candidateOrgUnits, x: t.excludeUsers,
      f: t.formKey ?? null, d: t.dueAt ?? null, s: status,
    }));
    ctes.push(`${k}t AS (INSERT INTO crm.wf_tasks (id, instance_id, definition_key, activity_id, name, assignee, candidate_groups, candidate_org_units, exclude_users, form_key, due_at, created_at, status, ended_at)
      SELECT x.id, ${iid}::uuid, x.k, x.a, x.n, x."as", x.g, x.u, x.x, x.f, x.d, ${now}::timestamptz, x.s, CASE WHEN x.s = 'open' THEN NULL ELSE ${now}::timestamptz END
      FROM jsonb_to_recordset(${p(JSON.stringify(rows))}::jsonb) AS x(id text, k text, a text, n text, "as" text, g text[], u text[], x text[], f text, d timestamptz, s text))`);
  }
  if (w.closeTasks.length) {
    const expected = w.expectTask ? { id: p(w.expectTask.id), assignee: p(w.expectTask.assignee) } : null;
    ctes.push(`${k}tc AS (UPDATE crm.wf_tasks o SET status = x.s, ended_at = ${now}::timestamptz, completed_by = x.b
      FROM jsonb_to_recordset(${p(JSON.stringify(w.closeTasks.map((t) => ({ id: t.id, s: t.status, b: t.by }))))}::jsonb) AS x(id text, s text, b text)
      WHERE o.id = x.id AND o.status = 'open'${expected ? ` AND (o.id <> ${expected.id}::text OR o.assignee IS NOT DISTINCT FROM ${expected.assignee}::text)` : ''} RETURNING o.id)`);
    if (expected) guard.push(`(SELECT count(*) FROM ${k}tc WHERE id = ${expected.id}::text) = 1`);
  }
  if (w.jobDeletes.length) ctes.push(`${k}jd AS (DELETE FROM crm.wf_jobs WHERE id = ANY(${p(w.jobDeletes)}::text[]))`);
  if (w.jobUpserts.length) {
    const rows = w.jobUpserts.map((j) => ({ id: j.id, k: j.kind, i: j.instanceId, a: j.activityId, d: j.dueAt, p: j.payload ?? {}, m: j.maxAttempts ?? 3 }));
    ctes.push(`${k}ju AS (INSERT INTO crm.wf_jobs (id, kind, instance_id, activity_id, due_at, payload, max_attempts)
      SELECT x.id, x.k, x.i, x.a, x.d, x.p, x.m FROM jsonb_to_recordset(${p(JSON.stringify(rows))}::jsonb) AS x(id text, k text, i uuid, a text, d timestamptz, p jsonb, m int)
      ON CONFLICT (id) DO UPDATE SET due_at = EXCLUDED.due_at, payload = EXCLUDED.payload, attempts = 0, last_error = NULL, lease_owner = NULL, lease_until = NULL)`);
  }
  if (w.subDeletes.length) ctes.push(`${k}sd AS (DELETE FROM crm.wf_subscriptions WHERE id = ANY(${p(w.subDeletes)}::text[]))`);
  if (w.subInserts.length) {
    ctes.push(`${k}si AS (INSERT INTO crm.wf_subscriptions (id, instance_id, kind, name, correlation_key, activity_id, created_at)
      SELECT x.id, ${iid}::uuid, x.k, x.n, x.c, x.a, ${now}::timestamptz FROM jsonb_to_recordset(${p(JSON.stringify(w.subInserts.map((s) => ({ id: s.id, k: s.kind, n: s.name, c: s.correlationKey, a: s.activityId }))))}::jsonb)
        AS x(id text, k text, n text, c text, a text))`);
  }
  if (w.incidents.length) {
    const rows = w.incidents.map((i) => ({ id: i.id, i: i.instanceId, a: i.activityId, k: i.kind, m: i.message.slice(0, 2000), r: !!i.resolved }));
    ctes.push(`${k}ii AS (INSERT INTO crm.wf_incidents (id, instance_id, activity_id, kind, message, created_at, resolved_at)
      SELECT x.id, x.i, x.a, x.k, x.m, ${now}::timestamptz, CASE WHEN x.r THEN ${now}::timestamptz END FROM jsonb_to_recordset(${p(JSON.stringify(rows))}::jsonb) AS x(id text, i uuid, a text, k text, m text, r boolean)
      ON CONFLICT (id) DO UPDATE SET message = EXCLUDED.message, resolved_at = EXCLUDED.resolved_at, resolved_by = NULL)`);
  }
  if (w.resolveIncidents.length) {
    ctes.push(`${k}ir AS (UPDATE crm.wf_incidents SET resolved_at = ${now}::timestamptz WHERE id = ANY(${p(w.resolveIncidents)}::text[]) AND resolved_at IS NULL)`);
  }
  if (w.clear) {
    const keep = p(w.closeTasks.map((t) => t.id));
    ctes.push(`${k}ct AS (UPDATE crm.wf_tasks SET status = 'cancelled', ended_at = ${now}::timestamptz WHERE instance_id = ${iid}::uuid AND status = 'open' AND id <> ALL(${keep}::text[]))`);
    ctes.push(`${k}cs AS (DELETE FROM crm.wf_subscriptions WHERE instance_id = ${iid}::uuid AND id <> ALL(${p(w.subDeletes)}::text[]))`);
    ctes.push(`${k}cj AS (DELETE FROM crm.wf_jobs WHERE instance_id = ${iid}::uuid AND kind IN ('timer', 'service') AND id <> ALL(${p([...w.jobDeletes, ...w.jobUpserts.map((j) => j.id)])}::text[]))`);
  }
  if (w.audit.length) {
    ctes.push(`${k}au AS (${auditInsertRowsSql(w.audit, p)})`);
  }
  return { ctes, guard };
}

/**
 * Writes a step in one round trip. The statement ends with crm.wf_step_guard over the guard's
 * conditions: when one fails it raises CRW01 and nothing of the step is written.
 */
export async function writeStep(c: Queryable, w: StepWrite): Promise<void> {
  await writeSteps(c, [w]);
}

/**
 * Writes the steps of several instances (a signal reaching many) as one statement: each one's
 * CTEs under its own prefix, one guard over all, so all of them are written or none.
 */
export async function writeSteps(c: Queryable, ws: StepWrite[]): Promise<void> {
  if (ws.length > 1 && ws.every(startsOnly)) return writeStarts(c, ws);
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const ctes: string[] = [];
  const guard: string[] = [];
  ws.forEach((w, n) => {
    const one = stepCtes(w, p, ws.length > 1 ? `s${n}_` : '');
    ctes.push(...one.ctes);
    guard.push(...one.guard);
  });
  const last = guard.length ? `SELECT crm.wf_step_guard(${guard.join(' AND ')})` : 'SELECT 1';
  await c.query(`WITH ${ctes.join(',\n')} ${last}`, params);
}

/** A step that only inserts (a new instance's first step): nothing to guard, nothing it updates or deletes. */
function startsOnly(w: StepWrite): boolean {
  return w.instance.op === 'insert' && !w.clear && !w.expectTask && !w.closeTasks.length && !w.jobDeletes.length && !w.subDeletes.length && !w.resolveIncidents.length;
}

/**
 * Many new instances' first steps (a batch of journey entries, a signal starting many) as one
 * set-based statement: one INSERT per table over all the steps' rows (a jsonb recordset each), so
 * the statement has a fixed handful of parts whatever the batch size — per-step CTEs made a batch
 * of 500 starts a statement of ~1,500 CTEs and ~9,000 parameters that PostgreSQL spent most of the
 * batch's time planning.
 */
async function writeStarts(c: Queryable, ws: StepWrite[]): Promise<void> {
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const json = (rows: unknown[]) => `${p(JSON.stringify(rows))}::jsonb`;
  const instances: unknown[] = [], history: unknown[] = [], tasks: unknown[] = [], jobs: unknown[] = [], subs: unknown[] = [], incidents: unknown[] = [];
  const audit: AuditRow[] = [];
  for (const w of ws) {
    if (w.instance.op !== 'insert') continue;
    const r = w.instance.row;
    const i = r.id;
    instances.push({ id: i, d: r.definition_id, k: r.definition_key, v: r.version, b: r.business_key, s: r.status, st: r.state, ini: r.initiator, pid: r.parent_id, pc: r.parent_call_id, n: w.now, e: w.instance.endedAt });
    for (const t of w.history) history.push({ i, e: t.elementInstanceId, a: t.activityId, t: t.type, v: t.event, b: t.by ?? null, at: t.at });
    for (const { t, definitionKey, status } of w.newTasks) {
      tasks.push({ id: t.taskId, i, k: definitionKey, a: t.activityId, n: t.name ?? null, as: t.assignee ?? null, g: t.candidateGroups, u: t.candidateOrgUnits, x: t.excludeUsers, f: t.formKey ?? null, d: t.dueAt ?? null, s: status, now: w.now });
    }
    for (const j of w.jobUpserts) jobs.push({ id: j.id, k: j.kind, i: j.instanceId, a: j.activityId, d: j.dueAt, p: j.payload ?? {}, m: j.maxAttempts ?? 3 });
    for (const s of w.subInserts) subs.push({ id: s.id, i, k: s.kind, n: s.name, c: s.correlationKey, a: s.activityId, now: w.now });
    for (const x of w.incidents) incidents.push({ id: x.id, i: x.instanceId, a: x.activityId, k: x.kind, m: x.message.slice(0, 2000), r: !!x.resolved, now: w.now });
    audit.push(...w.audit);
  }
  const ctes = [`i AS (INSERT INTO crm.wf_instances (id, definition_id, definition_key, version, business_key, status, state, initiator, parent_id, parent_call_id, started_at, updated_at, ended_at)
    SELECT x.id, x.d, x.k, x.v, x.b, x.s, x.st, x.ini, x.pid, x.pc, x.n, x.n, x.e FROM jsonb_to_recordset(${json(instances)})
      AS x(id uuid, d uuid, k text, v int, b text, s text, st jsonb, ini text, pid uuid, pc text, n timestamptz, e timestamptz))`];
  if (history.length) {
    ctes.push(`h AS (INSERT INTO crm.wf_history (instance_id, element_instance_id, activity_id, type, event, by, at)
      SELECT x.i, x.e, x.a, x.t, x.v, x.b, x.at FROM jsonb_to_recordset(${json(history)}) AS x(i uuid, e text, a text, t text, v text, b text, at timestamptz))`);
  }
  if (tasks.length) {
    ctes.push(`t AS (INSERT INTO crm.wf_tasks (id, instance_id, definition_key, activity_id, name, assignee, candidate_groups, candidate_org_units, exclude_users, form_key, due_at, created_at, status, ended_at)
      SELECT x.id, x.i, x.k, x.a, x.n, x."as", x.g, x.u, x.x, x.f, x.d, x.now, x.s, CASE WHEN x.s = 'open' THEN NULL ELSE x.now END
      FROM jsonb_to_recordset(${json(tasks)}) AS x(id text, i uuid, k text, a text, n text, "as" text, g text[], u text[], x text[], f text, d timestamptz, s text, now timestamptz))`);
  }
  if (jobs.length) {
    ctes.push(`ju AS (INSERT INTO crm.wf_jobs (id, kind, instance_id, activity_id, due_at, payload, max_attempts)
      SELECT x.id, x.k, x.i, x.a, x.d, x.p, x.m FROM jsonb_to_recordset(${json(jobs)}) AS x(id text, k text, i uuid, a text, d timestamptz, p jsonb, m int)
      ON CONFLICT (id) DO UPDATE SET due_at = EXCLUDED.due_at, payload = EXCLUDED.payload, attempts = 0, last_error = NULL, lease_owner = NULL, lease_until = NULL)`);
  }
  if (subs.length) {
    ctes.push(`si AS (INSERT INTO crm.wf_subscriptions (id, instance_id, kind, name, correlation_key, activity_id, created_at)
      SELECT x.id, x.i, x.k, x.n, x.c, x.a, x.now FROM jsonb_to_recordset(${json(subs)}) AS x(id text, i uuid, k text, n text, c text, a text, now timestamptz))`);
  }
  if (incidents.length) {
    ctes.push(`ii AS (INSERT INTO crm.wf_incidents (id, instance_id, activity_id, kind, message, created_at, resolved_at)
      SELECT x.id, x.i, x.a, x.k, x.m, x.now, CASE WHEN x.r THEN x.now END FROM jsonb_to_recordset(${json(incidents)}) AS x(id text, i uuid, a text, k text, m text, r boolean, now timestamptz)
      ON CONFLICT (id) DO UPDATE SET message = EXCLUDED.message, resolved_at = EXCLUDED.resolved_at, resolved_by = NULL)`);
  }
  if (audit.length) ctes.push(`au AS (${auditInsertRowsSql(audit, p)})`);
  await c.query(`WITH ${ctes.join(',\n')} SELECT 1`, params);
}
