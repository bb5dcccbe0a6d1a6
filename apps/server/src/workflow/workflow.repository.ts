/** SQL of the workflow runtime tables. Values are always bound; every list is bounded. */
import type { PoolClient } from 'pg';
import type { InstanceState, TaskInfo, TraceEntry } from '@crm/workflow-engine';
import type { Queryable } from '../database/db.js';

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

  async insertInstance(c: Queryable, r: Omit<InstanceRow, 'rev' | 'updated_at' | 'ended_at'>, endedAt: string | null): Promise<void> {
    await c.query(
      `INSERT INTO crm.wf_instances (id, definition_id, definition_key, version, business_key, status, state, initiator, parent_id, parent_call_id, started_at, updated_at, ended_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)`,
      [r.id, r.definition_id, r.definition_key, r.version, r.business_key, r.status, JSON.stringify(r.state), r.initiator, r.parent_id, r.parent_call_id, r.started_at, endedAt],
    );
  },

  async updateInstance(c: Queryable, id: string, state: InstanceState, status: string, now: string, ended: boolean): Promise<void> {
    await c.query(
      `UPDATE crm.wf_instances SET state = $2, status = $3, rev = rev + 1, updated_at = $4, ended_at = CASE WHEN $5 THEN $4::timestamptz ELSE ended_at END WHERE id = $1`,
      [id, JSON.stringify(state), status, now, ended],
    );
  },

  async insertHistory(c: Queryable, instanceId: string, trace: TraceEntry[]): Promise<void> {
    if (!trace.length) return;
    await c.query(
      `INSERT INTO crm.wf_history (instance_id, element_instance_id, activity_id, type, event, by, at)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])`,
      [
        instanceId,
        trace.map((t) => t.elementInstanceId),
        trace.map((t) => t.activityId),
        trace.map((t) => t.type),
        trace.map((t) => t.event),
        trace.map((t) => t.by ?? null),
        trace.map((t) => t.at),
      ],
    );
  },

  async insertTask(c: Queryable, instanceId: string, definitionKey: string, t: TaskInfo, now: string): Promise<void> {
    await c.query(
      `INSERT INTO crm.wf_tasks (id, instance_id, definition_key, activity_id, name, assignee, candidate_groups, candidate_org_units, exclude_users, form_key, due_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [t.taskId, instanceId, definitionKey, t.activityId, t.name ?? null, t.assignee ?? null, t.candidateGroups, t.candidateOrgUnits, t.excludeUsers, t.formKey ?? null, t.dueAt ?? null, now],
    );
  },

  async closeTask(c: Queryable, id: string, status: 'completed' | 'cancelled', now: string, by: string | null): Promise<void> {
    await c.query(`UPDATE crm.wf_tasks SET status = $2, ended_at = $3, completed_by = $4 WHERE id = $1 AND status = 'open'`, [id, status, now, by]);
  },

  async upsertJob(c: Queryable, j: { id: string; kind: JobRow['kind']; instanceId: string | null; activityId: string | null; dueAt: string; payload: unknown; maxAttempts?: number }): Promise<void> {
    await c.query(
      `INSERT INTO crm.wf_jobs (id, kind, instance_id, activity_id, due_at, payload, max_attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET due_at = EXCLUDED.due_at, payload = EXCLUDED.payload, attempts = 0,
         last_error = NULL, lease_owner = NULL, lease_until = NULL`,
      [j.id, j.kind, j.instanceId, j.activityId, j.dueAt, JSON.stringify(j.payload ?? {}), j.maxAttempts ?? 3],
    );
  },

  async deleteJob(c: Queryable, id: string): Promise<void> {
    await c.query('DELETE FROM crm.wf_jobs WHERE id = $1', [id]);
  },

  async insertSubscription(c: Queryable, s: { id: string; instanceId: string; kind: 'message' | 'signal'; name: string; correlationKey?: string; activityId: string; now: string }): Promise<void> {
    await c.query(
      `INSERT INTO crm.wf_subscriptions (id, instance_id, kind, name, correlation_key, activity_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [s.id, s.instanceId, s.kind, s.name, s.correlationKey ?? null, s.activityId, s.now],
    );
  },

  async deleteSubscription(c: Queryable, id: string): Promise<void> {
    await c.query('DELETE FROM crm.wf_subscriptions WHERE id = $1', [id]);
  },

  /** Drops what an ended instance may still hold (a terminate end event closes every wait at once). */
  async clearRuntime(c: PoolClient, instanceId: string, now: string): Promise<void> {
    await c.query(`UPDATE crm.wf_tasks SET status = 'cancelled', ended_at = $2 WHERE instance_id = $1 AND status = 'open'`, [instanceId, now]);
    await c.query('DELETE FROM crm.wf_subscriptions WHERE instance_id = $1', [instanceId]);
    await c.query(`DELETE FROM crm.wf_jobs WHERE instance_id = $1 AND kind IN ('timer', 'service')`, [instanceId]);
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
