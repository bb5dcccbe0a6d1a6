/**
 * Process and decision definitions: deploy (every deploy is a new version), list, read, and an
 * in-memory cache of parsed models (a deployed version never changes, so the cache never goes stale).
 */
import type { DecisionDefinition, DecisionDeployResponse, DecisionDetail, DeployResponse, EvaluateResponse, ProcessDefinition, Unserialized } from '@crm/shared';
import { Injectable, Optional } from '@nestjs/common';
import {
  BpmnParseError,
  BpmnValidationError,
  DecisionEvaluationError,
  ensureDiagram,
  evaluateDecision,
  foreignAttributes,
  modelExpressions,
  modelNames,
  parseBpmn,
  parseDmn,
  timerStarts,
  type StepOptions,
  type DecisionModel,
  type ProcessModel,
} from '@crm/workflow-engine';
import { Db, type Queryable } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import './workflow.messages.js';
import { keyedAdvisoryXactLock } from '../database/advisory-locks.js';
import { analyzeFeel, type FeelName } from '@crm/feel';
import { feelNamesOf } from '@crm/form-engine';
import { MetadataService } from '../metadata/metadata.service.js';
import { RequestContext } from '../common/request-context.js';

export interface DefinitionRow {
  id: string;
  key: string;
  version: number;
  name: string | null;
  starts: StartDef[];
  deployed_at: Date;
  deployed_by: string | null;
}

/** A start event other than the none start: how the process can be started from outside. */
export interface StartDef {
  id: string;
  kind: 'message' | 'signal' | 'timer';
  name?: string;
}

const CACHE_LIMIT = 500;

/** SQL of the latest versions whose start events react to the event `startsParam` names (`[{ kind, name }]` as jsonb). */
export function latestStartingOnSql(startsParam: string): string {
  return `SELECT * FROM (SELECT DISTINCT ON (key) id, key, version, name, starts, deployed_at, deployed_by
         FROM crm.wf_definitions ORDER BY key, version DESC) d
       WHERE d.starts @> ${startsParam}::jsonb LIMIT 500`;
}

/** The `[{ kind, name }]` a definition's starts must contain to start on this event. */
export function startsParam(kind: 'message' | 'signal', name: string): string {
  return JSON.stringify([{ kind, name }]);
}

/** Each definition with its start event for this message or signal. */
export function startEventsOf(defs: DefinitionRow[], kind: 'message' | 'signal', name: string): { def: DefinitionRow; startEventId: string }[] {
  return defs.map((def) => ({ def, startEventId: def.starts.find((s) => s.kind === kind && s.name === name)!.id }));
}

@Injectable()
export class DefinitionsService {
  private readonly models = new Map<string, ProcessModel>();
  private readonly decisions = new Map<string, DecisionModel>();
  private readonly decisionRefs = new WeakMap<ProcessModel, string[]>();
  private readonly callRefs = new WeakMap<ProcessModel, string[]>();
  /** Process keys known to be deployed. A deploy is never undone, so this never goes stale. */
  private readonly deployedKeys = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    @Optional() private readonly meta?: MetadataService,
  ) {}

  /**
   * The semantic FEEL check of a model at deploy: each expression's names against what the model
   * declares or writes, what the engine and record triggers set, and the fields of the platform's
   * objects (a trigger starts a process with a record's fields as variables). A full-width operator,
   * a field's label used as a name, a type mismatch with a field, or an unknown name is refused with
   * the problem named. An unknown name is refused only when it is a likely typo of a known one and no
   * step of the model sets undeclared names (see modelNames).
   */
  /** Other tools' extension attributes the engine ignores, each with our equivalent when there is one. */
  private async deployWarnings(xml: string): Promise<NonNullable<DeployResponse['warnings']>> {
    const lang = RequestContext.current()?.lang ?? 'zh-CN';
    return (await foreignAttributes(xml)).slice(0, 100).map((a) => ({
      code: 'foreign_attribute' as const,
      elementId: a.elementId,
      attribute: a.attribute,
      ...(a.suggestion ? { suggestion: a.suggestion } : {}),
      message: lang === 'en'
        ? `${a.elementId}: ${a.attribute} is not used by this engine${a.suggestion ? `; use ${a.suggestion}` : ''}`
        : `${a.elementId}：本平台不识别属性 ${a.attribute}${a.suggestion ? `，请改用 ${a.suggestion}` : '，已忽略'}`,
    }));
  }

  private async checkModelFeel(model: ProcessModel): Promise<void> {
    if (!this.meta) return;
    const lang = RequestContext.current()?.lang ?? 'zh-CN';
    const { names, opaque } = modelNames(model);
    const scope = new Map<string, FeelName>();
    for (const o of await this.meta.objects()) for (const n of feelNamesOf(o.fields)) if (!scope.has(n.name)) scope.set(n.name, n);
    // A field's key that is also a declared variable keeps its field's label and kind.
    for (const n of names) if (!scope.has(n)) scope.set(n, { name: n });
    const list = [...scope.values()];
    const problems: { path: string; code: string; message: string; elementId: string }[] = [];
    for (const e of modelExpressions(model)) {
      for (const issue of analyzeFeel(e.expression, { names: list })) {
        // A name nobody declares may still come from a caller (a call activity's inputs) or a step's
        // result (an output mapping reads it, an opaque step sets it): refused only when it is a likely
        // typo of a known name in a model where no step sets undeclared names.
        if (issue.code === 'feel.unknown_name' && (opaque || !issue.suggestion || e.what.startsWith('output '))) continue;
        // A type mismatch is only certain for a name the model itself does not (re)declare.
        if (issue.code === 'feel.type_mismatch' && issue.subject && names.has(issue.subject)) continue;
        problems.push({ path: e.elementId, code: issue.code, message: `${e.what}: ${issue.message[lang]}`, elementId: e.elementId });
      }
    }
    if (problems.length) {
      throw new AppError(400, 'workflow.bpmn_feel', { elements: problems.map((p) => `${p.elementId}: ${p.message}`).join('; ') }, problems);
    }
  }

  // ------------------------------------------------------------------ processes

  async deploy(p: Principal, input: { key?: string; name?: string; bpmnXml: string }): Promise<DeployResponse> {
    const model = await parseProcess(input.bpmnXml);
    await this.checkModelFeel(model);
    // Every version can be drawn: a file without a diagram gets one laid out (same model, checked).
    const { xml, laidOut } = await ensureDiagram(input.bpmnXml);
    const warnings = await this.deployWarnings(input.bpmnXml);
    const key = input.key ?? model.id;
    const name = input.name ?? model.name ?? null;
    const starts = startsOf(model);
    const deployedAt = new Date().toISOString();
    let timers: ReturnType<typeof timerStarts>;
    try {
      timers = timerStarts(model, deployedAt);
    } catch (err) {
      throw deployError(err, 'bpmn');
    }
    const out = await this.db.tx(async (c) => {
      // Serializes deploys of one key so versions are gap-free and unique.
      await keyedAdvisoryXactLock(c, 'workflow.deploy', key);
      const { rows } = await c.query<{ id: string; version: number }>(
        `INSERT INTO crm.wf_definitions (key, version, name, xml, model, starts, deployed_by)
         SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6 FROM crm.wf_definitions WHERE key = $1
         RETURNING id, version`,
        [key, name, xml, JSON.stringify(model), JSON.stringify(starts), p.id],
      );
      const row = rows[0]!;
      // Timer start events: the new version's replace the previous versions' (one job per start event).
      await c.query(`DELETE FROM crm.wf_jobs WHERE kind = 'timer' AND instance_id IS NULL AND payload->>'startKey' = $1`, [key]);
      if (timers.length) {
        await c.query(
          `INSERT INTO crm.wf_jobs (id, kind, instance_id, activity_id, due_at, payload)
           SELECT x.id, 'timer', NULL, x.a, x.d, x.p FROM jsonb_to_recordset($1::jsonb) AS x(id text, a text, d timestamptz, p jsonb)`,
          [JSON.stringify(timers.map((t) => ({
            id: `start:${row.id}:${t.startEventId}`, a: t.startEventId, d: t.dueAt,
            p: { startKey: key, definitionId: row.id, ...(t.repeat ? { repeat: t.repeat } : {}) },
          })))],
        );
      }
      this.models.set(row.id, model);
      await this.audit.record({ action: 'workflow.deploy', object: 'process_definition', recordId: row.id, data: { key, version: row.version } });
      return { key, version: row.version, id: row.id, name, ...(laidOut ? { laidOut } : {}), ...(warnings.length ? { warnings } : {}) };
    });
    this.deployedKeys.add(key);
    return out;
  }

  async latest(q: Queryable, key: string): Promise<DefinitionRow | undefined> {
    const { rows } = await q.query<DefinitionRow>(
      `SELECT id, key, version, name, starts, deployed_at, deployed_by FROM crm.wf_definitions WHERE key = $1 ORDER BY version DESC LIMIT 1`,
      [key],
    );
    return rows[0];
  }

  async latestOrFail(q: Queryable, key: string): Promise<DefinitionRow> {
    const d = await this.latest(q, key);
    if (!d) throw new AppError(404, 'workflow.definition_not_found', { key });
    return d;
  }

  async listLatest(limit = 500): Promise<Unserialized<ProcessDefinition>[]> {
    const rows = await this.db.query<DefinitionRow>(
      `SELECT DISTINCT ON (key) id, key, version, name, starts, deployed_at, deployed_by
       FROM crm.wf_definitions ORDER BY key, version DESC LIMIT $1`,
      [limit],
    );
    return rows.map(toDto);
  }

  async versions(key: string): Promise<Unserialized<ProcessDefinition>[]> {
    const rows = await this.db.query<DefinitionRow & { instances: number }>(
      `SELECT d.id, d.key, d.version, d.name, d.starts, d.deployed_at, d.deployed_by,
              (SELECT count(*)::int FROM crm.wf_instances i WHERE i.definition_id = d.id) AS instances
       FROM crm.wf_definitions d WHERE d.key = $1 ORDER BY d.version DESC LIMIT 500`,
      [key],
    );
    if (!rows.length) throw new AppError(404, 'workflow.definition_not_found', { key });
    return rows.map((r) => ({ ...toDto(r), instances: r.instances }));
  }

  async xml(key: string, version?: number): Promise<string> {
    const row = await this.db.one<{ xml: string }>(
      version === undefined
        ? 'SELECT xml FROM crm.wf_definitions WHERE key = $1 ORDER BY version DESC LIMIT 1'
        : 'SELECT xml FROM crm.wf_definitions WHERE key = $1 AND version = $2',
      version === undefined ? [key] : [key, version],
    );
    if (!row) throw new AppError(404, 'workflow.definition_not_found', { key });
    return row.xml;
  }

  /** Latest versions whose start events react to a message or signal of this name. */
  async startsFor(q: Queryable, kind: 'message' | 'signal', name: string): Promise<{ def: DefinitionRow; startEventId: string }[]> {
    const { rows } = await q.query<DefinitionRow>(latestStartingOnSql('$1'), [startsParam(kind, name)]);
    return startEventsOf(rows, kind, name);
  }

  async model(q: Queryable, definitionId: string): Promise<ProcessModel> {
    const hit = this.models.get(definitionId);
    if (hit) return hit;
    const { rows } = await q.query<{ model: ProcessModel }>('SELECT model FROM crm.wf_definitions WHERE id = $1', [definitionId]);
    if (!rows[0]) throw new AppError(404, 'workflow.definition_not_found', { key: definitionId });
    if (this.models.size >= CACHE_LIMIT) this.models.delete(this.models.keys().next().value!);
    this.models.set(definitionId, rows[0].model);
    return rows[0].model;
  }

  // ------------------------------------------------------------------ decisions

  async deployDecision(p: Principal, dmnXml: string): Promise<DecisionDeployResponse> {
    const model = await parseDecision(dmnXml);
    const ids = Object.keys(model.decisions);
    const key = ids.length === 1 ? ids[0]! : model.id;
    return this.db.tx(async (c) => {
      await keyedAdvisoryXactLock(c, 'workflow.deploy_decision', key);
      const { rows } = await c.query<{ id: string; version: number }>(
        `INSERT INTO crm.wf_decisions (key, version, name, decision_ids, xml, model, deployed_by)
         SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6 FROM crm.wf_decisions WHERE key = $1
         RETURNING id, version`,
        [key, model.name ?? null, ids, dmnXml, JSON.stringify(model), p.id],
      );
      const row = rows[0]!;
      this.decisions.set(row.id, model);
      await this.audit.record({ action: 'workflow.deploy_decision', object: 'decision_definition', recordId: row.id, data: { key, version: row.version } });
      return { key, version: row.version, id: row.id };
    });
  }

  async listDecisions(): Promise<Unserialized<DecisionDefinition>[]> {
    const rows = await this.db.query<{ id: string; key: string; version: number; name: string | null; decision_ids: string[]; deployed_at: Date }>(
      `SELECT DISTINCT ON (key) id, key, version, name, decision_ids, deployed_at FROM crm.wf_decisions ORDER BY key, version DESC LIMIT 500`,
    );
    return rows.map((r) => ({ id: r.id, key: r.key, version: r.version, name: r.name, decisions: r.decision_ids, deployedAt: r.deployed_at }));
  }

  /** The latest version of one decision definition (by its key) with its DMN XML. */
  async getDecision(key: string): Promise<Unserialized<DecisionDetail>> {
    const r = await this.db.one<{ id: string; key: string; version: number; name: string | null; decision_ids: string[]; deployed_at: Date; xml: string }>(
      `SELECT id, key, version, name, decision_ids, deployed_at, xml FROM crm.wf_decisions WHERE key = $1 ORDER BY version DESC LIMIT 1`,
      [key],
    );
    if (!r) throw new AppError(404, 'workflow.decision_not_found', { key });
    return { id: r.id, key: r.key, version: r.version, name: r.name, decisions: r.decision_ids, deployedAt: r.deployed_at, xml: r.xml };
  }

  /** Evaluates a decision by its key (the definition key or a decision id inside the latest file). */
  async evaluate(key: string, variables: Record<string, unknown>): Promise<EvaluateResponse> {
    const found = await this.findDecision(this.db.q, key);
    if (!found) throw new AppError(404, 'workflow.decision_not_found', { key });
    try {
      return { result: evaluateDecision(found, found.decisions[key] ? key : undefined, variables) };
    } catch (err) {
      if (err instanceof DecisionEvaluationError || err instanceof Error) throw new AppError(400, 'workflow.decision_failed', { key, reason: err.message });
      throw err;
    }
  }

  private async findDecision(q: Queryable, ref: string): Promise<DecisionModel | undefined> {
    const { rows } = await q.query<{ id: string }>(
      `SELECT id FROM crm.wf_decisions WHERE key = $1 OR decision_ids @> ARRAY[$1] ORDER BY deployed_at DESC, version DESC LIMIT 1`,
      [ref],
    );
    if (!rows[0]) return undefined;
    return this.decisionModel(q, rows[0].id);
  }

  private async decisionModel(q: Queryable, id: string): Promise<DecisionModel> {
    const hit = this.decisions.get(id);
    if (hit) return hit;
    const { rows } = await q.query<{ model: DecisionModel }>('SELECT model FROM crm.wf_decisions WHERE id = $1', [id]);
    if (this.decisions.size >= CACHE_LIMIT) this.decisions.delete(this.decisions.keys().next().value!);
    this.decisions.set(id, rows[0]!.model);
    return rows[0]!.model;
  }

  /**
   * What the engine needs to know synchronously for a step of this model: its decisions and whether
   * the processes its call activities name are deployed. In steady state no query at all.
   */
  async stepOptions(q: Queryable, model: ProcessModel): Promise<Pick<StepOptions, 'resolveDecision' | 'isDeployed'>> {
    const resolveDecision = await this.resolverFor(q, model);
    let calls = this.callRefs.get(model);
    if (!calls) {
      calls = [...new Set(Object.values(model.elements).flatMap((e) => (e.type === 'callActivity' && e.calledElement ? [e.calledElement] : [])))];
      this.callRefs.set(model, calls);
    }
    const unknown = calls.filter((k) => !this.deployedKeys.has(k));
    if (unknown.length) {
      const { rows } = await q.query<{ key: string }>('SELECT DISTINCT key FROM crm.wf_definitions WHERE key = ANY($1::text[])', [unknown]);
      for (const r of rows) this.deployedKeys.add(r.key);
    }
    return {
      ...(resolveDecision ? { resolveDecision } : {}),
      ...(calls.length ? { isDeployed: (k: string) => this.deployedKeys.has(k) } : {}),
    };
  }

  /** Forgets which keys are deployed (after definitions were removed behind the service's back, as tests do). */
  forgetDeployed(): void {
    this.deployedKeys.clear();
  }

  /**
   * The engine resolves decisions synchronously, so the decisions a model's business-rule tasks name
   * are loaded (latest deployed) before each step.
   */
  async resolverFor(q: Queryable, model: ProcessModel): Promise<((ref: string) => DecisionModel | undefined) | undefined> {
    let refs = this.decisionRefs.get(model);
    if (!refs) {
      refs = [...new Set(Object.values(model.elements).flatMap((e) => (e.type === 'businessRuleTask' && e.decisionRef ? [e.decisionRef] : [])))];
      this.decisionRefs.set(model, refs);
    }
    if (!refs.length) return undefined;
    const found = new Map<string, DecisionModel>();
    for (const ref of refs) {
      const m = await this.findDecision(q, ref);
      if (m) found.set(ref, m);
    }
    return (ref) => found.get(ref);
  }
}

function toDto(r: DefinitionRow): Unserialized<ProcessDefinition> {
  return { id: r.id, key: r.key, version: r.version, name: r.name, deployedAt: r.deployed_at, deployedBy: r.deployed_by, startEvents: r.starts };
}

function startsOf(model: ProcessModel): StartDef[] {
  const out: StartDef[] = [];
  for (const id of model.scopes[model.id]?.startEvents ?? []) {
    const ev = model.elements[id]?.event;
    if (ev?.kind === 'message') out.push({ id, kind: 'message', name: ev.messageName! });
    else if (ev?.kind === 'signal') out.push({ id, kind: 'signal', name: ev.signalName! });
    else if (ev?.kind === 'timer') out.push({ id, kind: 'timer' });
  }
  return out;
}

export async function parseProcess(xml: string): Promise<ProcessModel> {
  try {
    return await parseBpmn(xml);
  } catch (err) {
    throw deployError(err, 'bpmn');
  }
}

async function parseDecision(xml: string): Promise<DecisionModel> {
  try {
    return await parseDmn(xml);
  } catch (err) {
    throw deployError(err, 'dmn');
  }
}

function deployError(err: unknown, what: 'bpmn' | 'dmn'): unknown {
  if (err instanceof BpmnParseError) {
    return new AppError(400, `workflow.${what}_parse_error`, { line: err.line ?? '?', reason: err.message }, [
      { code: 'parse_error', message: err.message, ...(err.line !== undefined ? { line: err.line } : {}), ...(err.column !== undefined ? { column: err.column } : {}) },
    ]);
  }
  if (err instanceof BpmnValidationError) {
    return new AppError(
      400,
      `workflow.${what}_invalid`,
      { elements: err.problems.map((p) => `${p.elementId}: ${p.message}`).join('; ') },
      err.problems.map((p) => ({ path: p.elementId, code: 'invalid_element', message: p.message, elementId: p.elementId })),
    );
  }
  return err;
}
