/**
 * Journeys: behaviour-triggered automation on the workflow engine. A journey names a deployed BPMN
 * process (drawn in the process designer with our `crm:` extension) and says who enters it — a
 * business event, a record created or changed (FEEL condition), or a segment's members — how often
 * (once, or again after N days), how entrants split A/B, and which end events are goals. Each entry
 * starts one process instance for the customer (business key = customer id) in the transaction of
 * what caused it, and writes a journey_entries row the re-entry rule and the analytics read.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import { checkFeel, compileFeel, FeelShapeError } from '@crm/feel';
import { amountsToFeel } from '@crm/form-engine';
import type { Journey, JourneyInput, JourneyStats, JourneyUpdate } from '@crm/shared';
import { JourneyBody, JourneyUpdateBody } from '@crm/shared';
import { Db, type Queryable } from '../../database/db.js';
import { NotifiedCache } from '../../database/notified-cache.js';
import { AppError } from '../../common/app-error.js';
import { RequestContext } from '../../common/request-context.js';
import { DomainEvents, type DomainEvent } from '../../common/domain-events.js';
import { LOGGER } from '../../logging/logger.token.js';
import { AuditService } from '../../audit/audit.service.js';
import type { Principal } from '../../auth/principal.js';
import { MetadataService } from '../../metadata/metadata.service.js';
import { DefinitionsService } from '../../workflow/definitions.service.js';
import { WorkflowRuntime, type StepCtx } from '../../workflow/runtime.service.js';
import { writeSteps } from '../../workflow/workflow.repository.js';
import { EventConsumers, type BusinessEvent } from '../../events/event-consumers.js';
import { variantOf, type Split } from './journey-split.js';
import './journeys.messages.js';

export interface JourneyRow {
  key: string;
  name: string;
  description: string | null;
  process_key: string;
  object: string;
  entry: Journey['entry'];
  reentry: Journey['reentry'];
  split: Split | null;
  goals: string[];
  status: Journey['status'];
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  activated_at: Date | null;
  activated_by: string | null;
}

export type EntrySource = 'event' | 'record' | 'segment';

const LIST_LIMIT = 500;
const DAY_MS = 86_400_000;

function dto(r: JourneyRow, users: Map<string, string>): Journey {
  return {
    key: r.key,
    name: r.name,
    description: r.description,
    processKey: r.process_key,
    object: r.object,
    entry: r.entry,
    reentry: r.reentry,
    split: r.split,
    goals: r.goals,
    status: r.status,
    createdBy: r.created_by ? (users.get(r.created_by) ?? null) : null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    activatedAt: r.activated_at?.toISOString() ?? null,
    activatedBy: r.activated_by ? (users.get(r.activated_by) ?? null) : null,
  };
}

function feelProblem(expr: string | undefined): void {
  if (!expr) return;
  const bad = checkFeel(expr);
  if (bad) throw new AppError(400, 'journeys.bad_condition', { reason: bad instanceof FeelShapeError ? bad.localized(RequestContext.current()?.lang ?? 'zh-CN') : bad.message });
}

/** A FEEL condition; an error counts as false (logged by the caller). */
function holds(expr: string, vars: Record<string, unknown>): boolean {
  return compileFeel(expr).evaluate(vars) === true;
}

@Injectable()
export class JourneysService implements OnModuleInit {
  private readonly active = new NotifiedCache<JourneyRow[]>(undefined, 'wf_triggers', { fallbackMs: 2000, liveMs: 2000, maxEntries: 1 });

  constructor(
    private readonly db: Db,
    private readonly defs: DefinitionsService,
    private readonly runtime: WorkflowRuntime,
    private readonly meta: MetadataService,
    private readonly audit: AuditService,
    private readonly domainEvents: DomainEvents,
    private readonly consumers: EventConsumers,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.consumers.register((ctx, e) => this.onBusinessEvent(ctx, e));
    this.domainEvents.subscribe(
      async (e, client) => {
        await this.onRecordEvent(e, client);
      },
      async (e) => e.type === 'record.created' || e.type === 'record.updated' ? (await this.activeJourneys()).some((j) => this.recordEntryMatches(j, e)) : false,
    );
  }

  // ------------------------------------------------------------------ definitions

  private async usernames(ids: (string | null)[]): Promise<Map<string, string>> {
    const wanted = [...new Set(ids.filter((x): x is string => !!x))];
    if (!wanted.length) return new Map();
    const rows = await this.db.query<{ id: string; username: string }>('SELECT id::text AS id, username FROM crm.users WHERE id = ANY($1::uuid[])', [wanted]);
    return new Map(rows.map((r) => [r.id, r.username]));
  }

  private async view(r: JourneyRow): Promise<Journey> {
    return dto(r, await this.usernames([r.created_by, r.activated_by]));
  }

  async row(q: Queryable, key: string): Promise<JourneyRow> {
    const { rows } = await q.query<JourneyRow>('SELECT * FROM crm.journeys WHERE key = $1', [key]);
    if (!rows[0]) throw new AppError(404, 'journeys.not_found', { key });
    return rows[0];
  }

  async exists(q: Queryable, key: string): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM crm.journeys WHERE key = $1', [key]);
    return rows.length > 0;
  }

  async list(): Promise<{ items: Journey[] }> {
    const rows = await this.db.query<JourneyRow>(`SELECT * FROM crm.journeys ORDER BY created_at, key LIMIT ${LIST_LIMIT}`);
    const users = await this.usernames(rows.flatMap((r) => [r.created_by, r.activated_by]));
    return { items: rows.map((r) => dto(r, users)) };
  }

  async get(key: string): Promise<Journey> {
    return this.view(await this.row(this.db.q, key));
  }

  /** Checks what can be checked without the process: conditions parse, the record entry's object and field exist. */
  private async checkInput(j: ReturnType<typeof JourneyUpdateBody.parse>): Promise<void> {
    if (j.entry.kind !== 'segment') feelProblem(j.entry.condition);
    const objects = (await this.meta.current()).objects;
    if (!objects.has(j.object ?? 'customer')) throw new AppError(400, 'journeys.unknown_object', { object: j.object ?? 'customer', field: '-' });
    if (j.entry.kind === 'record') {
      const o = objects.get(j.entry.object);
      const field = j.entry.customerField;
      if (!o || (field && o.byKey.get(field)?.type !== 'relation')) throw new AppError(400, 'journeys.unknown_object', { object: j.entry.object, field: field ?? '-' });
    }
  }

  async create(p: Principal, input: JourneyInput): Promise<Journey> {
    const j = JourneyBody.parse(input);
    await this.checkInput(j);
    return this.db.tx(async (c) => {
      const { rows } = await c.query<JourneyRow>(
        `INSERT INTO crm.journeys (key, name, description, process_key, object, entry, reentry, split, goals, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (key) DO NOTHING RETURNING *`,
        [j.key, j.name, j.description ?? null, j.processKey, j.object ?? 'customer', JSON.stringify(j.entry), JSON.stringify(j.reentry), j.split ? JSON.stringify(j.split) : null, j.goals, p.id],
      );
      if (!rows[0]) throw new AppError(409, 'journeys.exists', { key: j.key });
      await this.audit.record({ action: 'journey.create', object: 'journey', recordId: j.key, data: { processKey: j.processKey, entry: j.entry.kind } });
      return this.view(rows[0]);
    });
  }

  async update(p: Principal, key: string, input: JourneyUpdate): Promise<Journey> {
    const j = JourneyUpdateBody.parse(input);
    await this.checkInput(j);
    return this.db.tx(async (c) => {
      const cur = await this.row(c, key);
      if (cur.status === 'active') throw new AppError(409, 'journeys.active');
      const { rows } = await c.query<JourneyRow>(
        `UPDATE crm.journeys SET name = $2, description = $3, process_key = $4, object = $5, entry = $6, reentry = $7, split = $8, goals = $9, updated_at = now()
         WHERE key = $1 RETURNING *`,
        [key, j.name, j.description ?? null, j.processKey, j.object ?? 'customer', JSON.stringify(j.entry), JSON.stringify(j.reentry), j.split ? JSON.stringify(j.split) : null, j.goals],
      );
      await this.audit.record({ action: 'journey.update', object: 'journey', recordId: key, actorId: p.id });
      return this.view(rows[0]!);
    });
  }

  /** Activates: the process must be deployed and every goal one of its end events. The activator's rights are the journey's. */
  async activate(p: Principal, key: string): Promise<Journey> {
    return this.db.tx(async (c) => {
      const j = await this.row(c, key);
      const def = await this.defs.latestOrFail(c, j.process_key);
      const model = await this.defs.model(c, def.id);
      for (const g of j.goals) {
        if (model.elements[g]?.type !== 'endEvent') throw new AppError(400, 'journeys.unknown_goal', { goal: g, process: j.process_key });
      }
      const { rows } = await c.query<JourneyRow>(
        `UPDATE crm.journeys SET status = 'active', activated_at = now(), activated_by = $2, updated_at = now() WHERE key = $1 RETURNING *`,
        [key, p.id],
      );
      await this.audit.record({ action: 'journey.activate', object: 'journey', recordId: key, data: { processKey: j.process_key, version: def.version } });
      this.active.clear();
      return this.view(rows[0]!);
    });
  }

  async pause(_p: Principal, key: string): Promise<Journey> {
    return this.db.tx(async (c) => {
      await this.row(c, key);
      const { rows } = await c.query<JourneyRow>(`UPDATE crm.journeys SET status = 'paused', updated_at = now() WHERE key = $1 RETURNING *`, [key]);
      await this.audit.record({ action: 'journey.pause', object: 'journey', recordId: key });
      this.active.clear();
      return this.view(rows[0]!);
    });
  }

  private activeJourneys(): Promise<JourneyRow[]> {
    return this.active.get('all', () => this.db.query<JourneyRow>(`SELECT * FROM crm.journeys WHERE status = 'active' ORDER BY key LIMIT ${LIST_LIMIT}`));
  }

  // ------------------------------------------------------------------ entry

  /**
   * Which of the customers may enter now under the journey's re-entry rule. Serialized per journey
   * and customer (transaction advisory locks, taken in one statement in a stable order), so two
   * concurrent events, or an event during a segment entry, enter a customer once.
   */
  private async mayEnter(c: Queryable, j: JourneyRow, customerIds: string[], now: string): Promise<string[]> {
    const ids = [...new Set(customerIds.map((id) => id.toLowerCase()))].sort();
    await c.query('SELECT count(pg_advisory_xact_lock(hashtext($1), hashtext(x))) FROM unnest($2::text[]) AS x', [`journey:${j.key}`, ids]);
    const { rows } = await c.query<{ customer_id: string; last: Date }>(
      'SELECT customer_id::text AS customer_id, max(entered_at) AS last FROM crm.journey_entries WHERE journey_key = $1 AND customer_id = ANY($2::uuid[]) GROUP BY 1',
      [j.key, ids],
    );
    const last = new Map(rows.map((r) => [r.customer_id, r.last]));
    return ids.filter((id) => {
      const at = last.get(id);
      if (!at) return true;
      if (j.reentry.mode === 'once') return false;
      return Date.parse(now) - at.getTime() >= j.reentry.days * DAY_MS;
    });
  }

  /** Who the journey's instances act as: the designer who activated it (their rights bound every action). */
  private async activator(c: Queryable, j: JourneyRow): Promise<{ id: string; username: string } | null> {
    if (!j.activated_by) return null;
    const { rows } = await c.query<{ id: string; username: string }>('SELECT id::text AS id, username FROM crm.users WHERE id = $1 AND NOT disabled', [j.activated_by]);
    return rows[0] ?? null;
  }

  /** Starts the journey's process for one customer (see enterMany); whether they entered. */
  async enter(ctx: StepCtx, j: JourneyRow, customerId: string, source: EntrySource, extra: { eventId?: string; variables?: Record<string, unknown> } = {}): Promise<boolean> {
    return (await this.enterMany(ctx, j, [customerId], source, extra)) === 1;
  }

  /**
   * Starts the journey's process once per customer who may enter (re-entry rule), in the step's
   * transaction, and records the entries; the caller has checked the journey is active. Returns how
   * many entered.
   */
  async enterMany(ctx: StepCtx, j: JourneyRow, customerIds: string[], source: EntrySource, extra: { eventId?: string; variables?: Record<string, unknown> } = {}): Promise<number> {
    const ids = await this.mayEnter(ctx.client, j, customerIds, ctx.now);
    if (!ids.length) return 0;
    const def = await this.defs.latest(ctx.client, j.process_key);
    if (!def) {
      this.logger.warn({ journey: j.key, processKey: j.process_key }, 'journey names a process that is not deployed');
      return 0;
    }
    const actor = await this.activator(ctx.client, j);
    const startAll = async (into: StepCtx): Promise<{ customer: string; instance: string; variant: string | null }[]> => {
      const out: { customer: string; instance: string; variant: string | null }[] = [];
      for (const customerId of ids) {
        const variant = variantOf(j.split, j.key, customerId);
        const variables: Record<string, unknown> = { ...(extra.variables ?? {}), customerId, customer: customerId, journeyKey: j.key, ...(variant ? { variant } : {}) };
        // One audit entry per entry from an event or a record; a segment batch is audited once by its job.
        const audit = source === 'segment' ? undefined : { action: 'journey.enter', object: 'process_instance', data: { journey: j.key, customerId, source, ...(variant ? { variant } : {}) } };
        const inst = await this.runtime.start(into, def, { variables, businessKey: customerId, initiator: actor?.username ?? 'system' }, audit);
        out.push({ customer: customerId, instance: inst.id, variant });
        // A long batch lets the process's other requests in between (the engine's work is synchronous).
        if (out.length % 50 === 0) await new Promise((r) => setImmediate(r));
      }
      return out;
    };
    let rows: { customer: string; instance: string; variant: string | null }[] | undefined;
    if (ids.length > 1) {
      // A batch: the engine runs every start first and their rows go out as ONE statement in this
      // transaction (the workflow's multi-instance write), instead of one round trip per instance.
      // A start that cannot be written that way (a call activity at once) makes the batch start one by one.
      const batch: StepCtx = { client: ctx.client, now: ctx.now, jobsDue: false, actor, optimistic: { writes: [], fromCache: null } };
      try {
        rows = await startAll(batch);
        await writeSteps(ctx.client, batch.optimistic!.writes.map((x) => x.w));
        if (batch.jobsDue) ctx.jobsDue = true;
      } catch (err) {
        if (err instanceof AppError || (err as { code?: string }).code) throw err;
        rows = undefined;
      }
    }
    if (!rows) {
      const previousActor = ctx.actor;
      ctx.actor = actor;
      try {
        rows = await startAll(ctx);
      } finally {
        ctx.actor = previousActor;
      }
    }
    await ctx.client.query(
      `INSERT INTO crm.journey_entries (journey_key, customer_id, instance_id, variant, source, event_id, entered_at)
       SELECT $1, c, i, v, $5, $6, $7 FROM unnest($2::uuid[], $3::uuid[], $4::text[]) AS x(c, i, v)`,
      [j.key, rows.map((r) => r.customer), rows.map((r) => r.instance), rows.map((r) => r.variant), source, extra.eventId ?? null, ctx.now],
    );
    return rows.length;
  }

  /** A posted business event: every active journey entered by that event whose condition holds on the payload. */
  private async onBusinessEvent(ctx: StepCtx, e: BusinessEvent): Promise<number> {
    const journeys = (await this.activeJourneys()).filter((j) => j.entry.kind === 'event' && j.entry.event === e.name && j.object === e.customerObject);
    let n = 0;
    for (const j of journeys) {
      const cond = j.entry.kind === 'event' ? j.entry.condition : undefined;
      if (cond && !this.conditionHolds(j, cond, { event: e.payload, eventName: e.name, customerId: e.customerId })) continue;
      if (await this.enter(ctx, j, e.customerId, 'event', { eventId: e.id, variables: { event: e.payload, eventName: e.name, eventId: e.id } })) n++;
    }
    return n;
  }

  private conditionHolds(j: JourneyRow, cond: string, vars: Record<string, unknown>): boolean {
    try {
      return holds(cond, vars);
    } catch (err) {
      this.logger.warn({ err, journey: j.key }, 'journey entry condition failed; the customer does not enter');
      return false;
    }
  }

  private recordEntryMatches(j: JourneyRow, e: DomainEvent): boolean {
    if (j.entry.kind !== 'record' || (e.type !== 'record.created' && e.type !== 'record.updated')) return false;
    return j.entry.object === e.object && j.entry.on === (e.type === 'record.created' ? 'created' : 'updated');
  }

  /** A record created or changed: runs inside the writer's transaction, so the entry commits with the change. */
  private async onRecordEvent(e: DomainEvent, client: PoolClient): Promise<void> {
    if (e.type !== 'record.created' && e.type !== 'record.updated') return;
    const journeys = (await this.activeJourneys()).filter((j) => this.recordEntryMatches(j, e));
    if (!journeys.length) return;
    const fields = (await this.meta.object(e.object)).fields;
    const record = amountsToFeel(fields, e.record);
    const vars: Record<string, unknown> = { ...record, record, ...(e.type === 'record.updated' ? { previous: amountsToFeel(fields, e.previous), changed: e.changed } : {}) };
    const ctx: StepCtx = { client, now: new Date().toISOString(), jobsDue: false, actor: null };
    for (const j of journeys) {
      if (j.entry.kind !== 'record') continue;
      if (j.entry.condition && !this.conditionHolds(j, j.entry.condition, vars)) continue;
      const customerId = j.entry.customerField ? e.record[j.entry.customerField] : e.object === j.object ? e.recordId : null;
      if (typeof customerId !== 'string') continue;
      // Only the record's id and object go into the process: its values stay in the record, read with rights.
      await this.enter(ctx, j, customerId, 'record', { variables: { recordId: e.recordId, object: e.object } });
    }
    // Jobs the entries scheduled are found by the executor's next poll (as for process triggers).
  }

  // ------------------------------------------------------------------ analytics

  async stats(key: string): Promise<JourneyStats> {
    const j = await this.row(this.db.q, key);
    return this.db.tx(async (c) => {
      await c.query("SET LOCAL statement_timeout = '30s'");
      const totals = await c.query<{ entered: string; active: string; completed: string; cancelled: string; goal: string }>(
        `SELECT count(*)::text AS entered,
                count(*) FILTER (WHERE i.status IN ('active', 'incident'))::text AS active,
                count(*) FILTER (WHERE i.status = 'completed')::text AS completed,
                count(*) FILTER (WHERE i.status = 'terminated')::text AS cancelled,
                count(*) FILTER (WHERE g.instance_id IS NOT NULL)::text AS goal
         FROM crm.journey_entries e JOIN crm.wf_instances i ON i.id = e.instance_id
         LEFT JOIN LATERAL (SELECT h.instance_id FROM crm.wf_history h WHERE h.instance_id = e.instance_id AND h.event = 'end' AND h.activity_id = ANY($2) LIMIT 1) g ON true
         WHERE e.journey_key = $1`,
        [key, j.goals],
      );
      const t = totals.rows[0]!;
      const steps = await c.query<{ activity_id: string; type: string; reached: string; now: string }>(
        `SELECT x.activity_id, min(x.type) AS type, count(DISTINCT x.instance_id)::text AS reached, count(*) FILTER (WHERE NOT x.closed)::text AS now
         FROM (SELECT h.instance_id, h.element_instance_id, h.activity_id, min(h.type) AS type, min(h.seq) AS first, bool_or(h.event IN ('end', 'cancel')) AS closed
               FROM crm.journey_entries e JOIN crm.wf_history h ON h.instance_id = e.instance_id
               WHERE e.journey_key = $1 GROUP BY 1, 2, 3) x
         GROUP BY x.activity_id ORDER BY count(DISTINCT x.instance_id) DESC, avg(x.first), x.activity_id LIMIT 500`,
        [key],
      );
      const paths = await c.query<{ path: string; entered: string; goal: string }>(
        `SELECT coalesce(e.variant, 'all') AS path, count(*)::text AS entered, count(g.instance_id)::text AS goal
         FROM crm.journey_entries e
         LEFT JOIN LATERAL (SELECT h.instance_id FROM crm.wf_history h WHERE h.instance_id = e.instance_id AND h.event = 'end' AND h.activity_id = ANY($2) LIMIT 1) g ON true
         WHERE e.journey_key = $1 GROUP BY 1 ORDER BY 1 LIMIT 20`,
        [key, j.goals],
      );
      const contacts = await c.query<{ status: string; reason: string | null; n: string }>(
        'SELECT status, reason, count(*)::text AS n FROM crm.journey_contacts WHERE journey_key = $1 GROUP BY 1, 2 LIMIT 100',
        [key],
      );
      const def = await this.defs.latest(c, j.process_key);
      const model = def ? await this.defs.model(c, def.id) : null;
      const goal = Number(t.goal);
      const skipped: Record<string, number> = {};
      let sent = 0;
      for (const r of contacts.rows) {
        if (r.status === 'sent') sent += Number(r.n);
        else skipped[r.reason ?? 'unknown'] = (skipped[r.reason ?? 'unknown'] ?? 0) + Number(r.n);
      }
      return {
        key,
        entered: Number(t.entered),
        active: Number(t.active),
        exited: { goal, end: Number(t.completed) - goal, cancelled: Number(t.cancelled) },
        steps: steps.rows.map((s) => ({ activityId: s.activity_id, name: model?.elements[s.activity_id]?.name ?? null, type: s.type, reached: Number(s.reached), now: Number(s.now) })),
        paths: paths.rows.map((p) => ({ path: p.path, entered: Number(p.entered), goal: Number(p.goal), conversion: Number(p.entered) ? Number(p.goal) / Number(p.entered) : 0 })),
        contacts: { sent, skipped },
      };
    });
  }
}
