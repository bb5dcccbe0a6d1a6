/** Starting, viewing, listing and cancelling process instances; messages, signals and incidents. */
import { Injectable } from '@nestjs/common';
import { activeActivities, openTasks, variablesOf, type ElementDef, type ProcessModel } from '@crm/workflow-engine';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import { DefinitionsService } from './definitions.service.js';
import { WorkflowRuntime, type EventGuard } from './runtime.service.js';
import { RequestVariables } from './request-variables.js';
import { VariableLabels } from './variable-labels.js';
import { WorkflowAccess } from './workflow-access.js';
import type { InstanceRow } from './workflow.repository.js';
import type { HistoryEntry as HistoryItem, Incident, Items, ProcessInstance, ProcessInstanceSummary, Unserialized } from '@crm/shared';

interface HistoryRow {
  element_instance_id: string;
  activity_id: string;
  type: string;
  event: 'start' | 'end' | 'cancel' | 'incident';
  by: string | null;
  at: Date;
}


/** Folds the step log into one entry per element instance (who, when, what). */
export function foldHistory(rows: HistoryRow[]): HistoryItem[] {
  const byId = new Map<string, HistoryItem>();
  for (const r of rows) {
    let h = byId.get(r.element_instance_id);
    if (!h) {
      h = { activityId: r.activity_id, type: r.type, startedAt: null, endedAt: null, outcome: 'active' };
      byId.set(r.element_instance_id, h);
    }
    const at = r.at.toISOString();
    if (r.event === 'start') h.startedAt = at;
    else if (r.event === 'end') Object.assign(h, { endedAt: at, outcome: 'completed' }, r.by ? { by: r.by } : {});
    else if (r.event === 'cancel') Object.assign(h, { endedAt: at, outcome: 'cancelled' });
    else if (r.event === 'incident' && !h.endedAt) h.outcome = 'incident';
  }
  return [...byId.values()];
}

/** The none start event a plain start begins at. */
function noneStartOf(model: ProcessModel): ElementDef | undefined {
  const id = model.scopes[model.id]?.startEvents.find((s) => model.elements[s]?.event?.kind === 'none');
  return id ? model.elements[id] : undefined;
}

function summary(r: InstanceRow): Unserialized<ProcessInstanceSummary> {
  return {
    id: r.id,
    definitionKey: r.definition_key,
    version: r.version,
    definitionId: r.definition_id,
    definitionVersion: r.version,
    businessKey: r.business_key,
    state: r.status,
    initiator: r.initiator,
    parentId: r.parent_id,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}

@Injectable()
export class ProcessInstancesService {
  constructor(
    private readonly db: Db,
    private readonly defs: DefinitionsService,
    private readonly runtime: WorkflowRuntime,
    private readonly access: WorkflowAccess,
    private readonly audit: AuditService,
    private readonly inputs: RequestVariables,
    private readonly labels: VariableLabels,
  ) {}

  async start(p: Principal, key: string, body: { variables?: Record<string, unknown>; businessKey?: string; record?: { object: string; id: string } }): Promise<Unserialized<ProcessInstance>> {
    await this.access.require(p, 'process.start', 'designer');
    const business = body.record ? await this.inputs.recordVariables(p, body.record.object, body.record.id) : undefined;
    const row = await this.runtime.step(async (ctx) => {
      const def = await this.defs.latestOrFail(ctx.client, key);
      const model = await this.defs.model(ctx.client, def.id);
      const start = noneStartOf(model);
      const accepted = await this.inputs.accept(p, model, start, body.variables, start?.formKey);
      const variables = business ? { ...accepted, ...business } : accepted;
      const businessKey = body.record?.id ?? body.businessKey;
      return this.runtime.start(
        ctx,
        def,
        { initiator: p.username, ...(variables ? { variables } : {}), ...(businessKey !== undefined ? { businessKey } : {}) },
        { action: 'workflow.start', object: 'process_instance', data: { key, version: def.version } },
      );
    });
    // Usually the whole story so far is in hand; with an incident the stored view has the details.
    if (row.status === 'incident') return this.view(row.id);
    const history = row.trace.map((t) => ({ element_instance_id: t.elementInstanceId, activity_id: t.activityId, type: t.type, event: t.event, by: t.by ?? null, at: new Date(t.at) }));
    return this.render(row, history, []);
  }

  async get(p: Principal, id: string): Promise<Unserialized<ProcessInstance>> {
    const r = await this.row(id);
    const involved = await this.access.involved(p, r);
    const admin = await this.access.has(p, 'process.admin');
    if (!involved && !admin && !(await this.access.has(p, 'designer'))) throw new AppError(404, 'workflow.instance_not_found');
    const out = await this.view(id, r);
    // A designer who is not part of the instance sees its variables only with the rights on its record.
    if (!involved && !admin) {
      const v = out.variables as Record<string, unknown>;
      if (!(typeof v.object === 'string' && (await this.inputs.mayRead(p, v.object, v.recordId)))) out.variables = {};
    }
    out.variableLabels = await this.labels.of(await this.defs.model(this.db.q, r.definition_id), out.variables as Record<string, unknown>);
    return out;
  }

  private async row(id: string): Promise<InstanceRow> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError(404, 'workflow.instance_not_found');
    const r = await this.db.one<InstanceRow>('SELECT * FROM crm.wf_instances WHERE id = $1', [id]);
    if (!r) throw new AppError(404, 'workflow.instance_not_found');
    return r;
  }

  async view(id: string, known?: InstanceRow): Promise<Unserialized<ProcessInstance>> {
    const r = known ?? (await this.row(id));
    const history = await this.db.query<HistoryRow>(
      'SELECT element_instance_id, activity_id, type, event, by, at FROM crm.wf_history WHERE instance_id = $1 ORDER BY seq LIMIT 5000',
      [id],
    );
    const incidents = await this.db.query<{ id: string; activity_id: string; kind: string; message: string; created_at: Date }>(
      'SELECT id, activity_id, kind, message, created_at FROM crm.wf_incidents WHERE instance_id = $1 AND resolved_at IS NULL ORDER BY created_at LIMIT 500',
      [id],
    );
    return this.render(r, history, incidents);
  }

  private render(r: InstanceRow, history: HistoryRow[], incidents: { id: string; activity_id: string; kind: string; message: string; created_at: Date }[]): Unserialized<ProcessInstance> {
    return {
      ...summary(r),
      variables: variablesOf(r.state),
      activeActivities: activeActivities(r.state),
      tasks: openTasks(r.state).map((t) => ({ id: t.taskId, activityId: t.activityId, name: t.name ?? null })),
      history: foldHistory(history),
      incidents: incidents.map((i) => ({ id: i.id, activityId: i.activity_id, kind: i.kind, message: i.message, createdAt: i.created_at })),
    };
  }

  /**
   * Instances about a data subject (PIPL): run for one of `businessKeys`, or naming `subjectId` anywhere
   * in their state (variables of any scope). At most `limit`, newest first; platform use only.
   */
  async about(subjectId: string, businessKeys: string[], limit: number): Promise<{ id: string; definitionKey: string; status: string; startedAt: string }[]> {
    const rows = await this.db.query<{ id: string; definition_key: string; status: string; started_at: Date }>(
      `SELECT id, definition_key, status, started_at FROM crm.wf_instances
        WHERE business_key = ANY($1::text[]) OR jsonb_path_exists(state, '$.** ? (@ == $v)', jsonb_build_object('v', $2::text))
        ORDER BY started_at DESC LIMIT $3`,
      [businessKeys, subjectId, limit],
    );
    return rows.map((r) => ({ id: r.id, definitionKey: r.definition_key, status: r.status, startedAt: r.started_at.toISOString() }));
  }

  async list(p: Principal, q: { state?: string; definitionKey?: string; businessKey?: string; limit: number }): Promise<Unserialized<Items<ProcessInstanceSummary>>> {
    const params: unknown[] = [];
    const where: string[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.state) add('i.status = ?', q.state);
    if (q.definitionKey) add('i.definition_key = ?', q.definitionKey);
    if (q.businessKey) add('i.business_key = ?', q.businessKey);
    if (!(await this.access.has(p, 'process.admin', 'designer'))) {
      params.push([p.username, p.id]);
      const me = `$${params.length}`;
      where.push(`(i.initiator = ANY(${me}) OR EXISTS (SELECT 1 FROM crm.wf_tasks t WHERE t.instance_id = i.id AND (t.assignee = ANY(${me}) OR t.completed_by = ANY(${me}))))`);
    }
    params.push(q.limit);
    const rows = await this.db.query<InstanceRow>(
      `SELECT i.id, i.definition_id, i.definition_key, i.version, i.business_key, i.status, i.initiator, i.parent_id, i.started_at, i.ended_at
       FROM crm.wf_instances i ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
       ORDER BY i.started_at DESC, i.id LIMIT $${params.length}`,
      params,
    );
    return { items: rows.map(summary) };
  }

  async cancel(p: Principal, id: string): Promise<Unserialized<ProcessInstance>> {
    const r = await this.row(id);
    if (!this.access.isMe(p, r.initiator) && !(await this.access.has(p, 'process.admin'))) throw new AppError(403, 'common.forbidden');
    await this.runtime.tx(async (ctx) => {
      await this.runtime.cancel(ctx, id);
      await this.audit.record({ action: 'workflow.cancel', object: 'process_instance', recordId: id, data: { key: r.definition_key } });
    });
    return this.view(id);
  }

  async setVariables(p: Principal, id: string, variables: Record<string, unknown>): Promise<Unserialized<ProcessInstance>> {
    await this.access.require(p, 'process.admin');
    const r = await this.row(id);
    // Fixing data is not choosing who approves: identities and routing stay the engine's.
    this.inputs.assertNotReserved(variables, await this.defs.model(this.db.q, r.definition_id));
    await this.runtime.tx(async (ctx) => {
      await this.runtime.setVariables(ctx, id, variables);
      await this.audit.record({ action: 'workflow.set_variables', object: 'process_instance', recordId: id, data: { names: Object.keys(variables) } });
    });
    return this.view(id);
  }

  /**
   * A message without a correlation key reaches every waiting instance: process administrators only.
   * With a key it reaches only instances the sender is part of; its variables must be declared by
   * the element that receives them.
   */
  async message(p: Principal, body: { name: string; correlationKey?: string; variables?: Record<string, unknown> }): Promise<{ correlated: number }> {
    await this.access.require(p, 'process.start', 'process.admin');
    const admin = await this.access.has(p, 'process.admin');
    if (body.correlationKey === undefined && !admin) throw new AppError(403, 'workflow.message_needs_key');
    this.inputs.assertNotReserved(body.variables);
    const guard = this.guard(p, admin);
    const correlated = await this.runtime.step((ctx) => this.runtime.correlateMessage(ctx, body.name, body.correlationKey ?? null, body.variables, p.username, guard));
    return { correlated };
  }

  async signal(p: Principal, body: { name: string; variables?: Record<string, unknown> }): Promise<{ triggered: number }> {
    await this.access.require(p, 'process.start', 'process.admin');
    this.inputs.assertNotReserved(body.variables);
    const guard = this.guard(p, await this.access.has(p, 'process.admin'));
    const triggered = await this.runtime.step((ctx) => this.runtime.broadcastSignal(ctx, body.name, body.variables, p.username, guard));
    return { triggered };
  }

  private guard(p: Principal, admin: boolean): EventGuard {
    return {
      reach: async (row) => admin || this.access.involved(p, row),
      accept: (model, elementId, variables) => this.inputs.assertDeclared(model, model.elements[elementId], variables),
    };
  }

  async incidents(p: Principal, q: { instanceId?: string; limit: number }): Promise<Unserialized<Items<Incident>>> {
    await this.access.require(p, 'process.admin');
    const rows = await this.db.query<{ id: string; instance_id: string; activity_id: string; kind: string; message: string; job_id: string | null; created_at: Date; definition_key: string; process_name: string | null; activity_name: string | null }>(
      `SELECT n.id, n.instance_id, n.activity_id, n.kind, n.message, n.job_id, n.created_at, i.definition_key,
              d.name AS process_name, d.model->'elements'->n.activity_id->>'name' AS activity_name
       FROM crm.wf_incidents n JOIN crm.wf_instances i ON i.id = n.instance_id JOIN crm.wf_definitions d ON d.id = i.definition_id
       WHERE n.resolved_at IS NULL AND ($1::uuid IS NULL OR n.instance_id = $1)
       ORDER BY n.created_at, n.id LIMIT $2`,
      [q.instanceId ?? null, q.limit],
    );
    return {
      items: rows.map((r) => ({ id: r.id, processInstanceId: r.instance_id, processDefinitionKey: r.definition_key, processName: r.process_name, activityId: r.activity_id, activityName: r.activity_name, kind: r.kind, message: r.message, jobId: r.job_id, createdAt: r.created_at })),
    };
  }

  async retryIncident(p: Principal, id: string): Promise<Unserialized<ProcessInstance>> {
    const { instanceId } = await this.runtime.tx(async (ctx) => {
      const out = await this.runtime.retryIncident(ctx, id, p.username);
      await this.audit.record({ action: 'workflow.incident_retry', object: 'process_instance', recordId: out.instanceId, data: { incidentId: id } });
      return out;
    });
    return this.view(instanceId);
  }
}
