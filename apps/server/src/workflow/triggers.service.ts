/**
 * Process triggers: a record of an object created or updated (with an optional FEEL condition on the
 * change) or a form submitted starts a process, inside the writer's transaction, with the record as
 * variables (`record` plus each field) and the writer as `initiator`.
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import { checkFeel, compileFeel, FeelShapeError } from '@crm/feel';
import { amountsToFeel } from '@crm/form-engine';
import { namesRead } from '@crm/workflow-engine';
import { MetadataService } from '../metadata/metadata.service.js';
import { Db } from '../database/db.js';
import { ChangeFeed } from '../database/change-feed.js';
import { NotifiedCache } from '../database/notified-cache.js';
import { AppError } from '../common/app-error.js';
import { DomainEvents, type DomainEvent } from '../common/domain-events.js';
import { RequestContext } from '../common/request-context.js';
import { LOGGER } from '../logging/logger.token.js';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import { DefinitionsService } from './definitions.service.js';
import { WorkflowRuntime } from './runtime.service.js';
import type { Items, Trigger, TriggerInput, Unserialized } from '@crm/shared';


interface TriggerRow {
  id: string;
  process_key: string;
  source: 'record' | 'form';
  object: string | null;
  form_key: string | null;
  on: 'created' | 'updated' | 'submitted';
  condition: string | null;
  created_at: Date;
}

const CACHE_MS = 2000;

function dto(t: TriggerRow): Unserialized<Trigger> {
  return {
    id: t.id,
    processKey: t.process_key,
    on: t.on,
    ...(t.source === 'record' ? { object: t.object } : { formKey: t.form_key }),
    condition: t.condition,
    createdAt: t.created_at,
  };
}

/** Whether a trigger listens to this kind of event on this object or form (its condition aside). */
function triggerMatches(t: TriggerRow, e: DomainEvent): boolean {
  if (e.type === 'record.deleted') return false;
  return e.type === 'form.submitted'
    ? t.source === 'form' && t.form_key === e.formKey
    : t.source === 'record' && t.object === e.object && t.on === (e.type === 'record.created' ? 'created' : 'updated');
}

@Injectable()
export class TriggersService implements OnModuleInit {
  // One object, so the cache is shared (and invalidated) even through a derived instance.
  private readonly memo: NotifiedCache<TriggerRow[]>;

  constructor(
    private readonly db: Db,
    private readonly defs: DefinitionsService,
    private readonly runtime: WorkflowRuntime,
    private readonly events: DomainEvents,
    private readonly audit: AuditService,
    private readonly meta: MetadataService,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly feed: ChangeFeed,
  ) {
    this.memo = new NotifiedCache(feed, 'wf_triggers', { fallbackMs: CACHE_MS, liveMs: 60_000, maxEntries: 1 });
  }

  onModuleInit(): void {
    this.events.subscribe(
      async (e, client) => {
        await this.onEvent(e, client);
      },
      async (e) => e.type !== 'record.deleted' && (await this.triggers(this.db.q)).some((t) => triggerMatches(t, e)),
    );
  }

  async create(p: Principal, t: TriggerInput): Promise<Unserialized<Trigger>> {
    if (t.condition) {
      const bad = checkFeel(t.condition);
      if (bad) throw new AppError(400, 'workflow.bad_condition', { reason: bad instanceof FeelShapeError ? bad.localized(RequestContext.current()?.lang ?? 'zh-CN') : bad.message });
    }
    await this.defs.latestOrFail(this.db.q, t.processKey);
    return this.db.tx(async (c) => {
      const { rows } = await c.query<TriggerRow>(
        `INSERT INTO crm.wf_triggers (process_key, source, object, form_key, "on", condition, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [t.processKey, 'formKey' in t ? 'form' : 'record', 'object' in t ? t.object : null, 'formKey' in t ? t.formKey : null, t.on, t.condition ?? null, p.id],
      );
      await this.audit.record({ action: 'workflow.trigger_create', object: 'process_trigger', recordId: rows[0]!.id, data: { processKey: t.processKey, on: t.on } });
      this.feed.changed('wf_triggers');
      return dto(rows[0]!);
    });
  }

  async list(): Promise<Unserialized<Items<Trigger>>> {
    const rows = await this.db.query<TriggerRow>('SELECT * FROM crm.wf_triggers ORDER BY created_at, id LIMIT 500');
    return { items: rows.map(dto) };
  }

  async remove(p: Principal, id: string): Promise<void> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError(404, 'workflow.trigger_not_found');
    await this.db.tx(async (c) => {
      const { rowCount } = await c.query('DELETE FROM crm.wf_triggers WHERE id = $1', [id]);
      if (!rowCount) throw new AppError(404, 'workflow.trigger_not_found');
      await this.audit.record({ action: 'workflow.trigger_delete', object: 'process_trigger', recordId: id, actorId: p.id });
    });
    this.feed.changed('wf_triggers');
  }

  private async triggers(client: Pick<PoolClient, 'query'>): Promise<TriggerRow[]> {
    return this.memo.get('all', async () => (await client.query<TriggerRow>('SELECT * FROM crm.wf_triggers ORDER BY created_at, id LIMIT 500')).rows);
  }

  /** Runs inside the writer's transaction: a failure to start rolls the write back with it. */
  async onEvent(e: DomainEvent, client: PoolClient): Promise<number> {
    if (e.type === 'record.deleted') return 0;
    const all = await this.triggers(client);
    const matching = all.filter((t) => triggerMatches(t, e));
    if (!matching.length) return 0;
    const record = e.record;
    const variables: Record<string, unknown> = {
      ...record,
      record,
      object: e.object,
      recordId: e.recordId,
      ...(e.type === 'record.updated' ? { previous: e.previous, changed: e.changed } : {}),
      ...(e.type === 'form.submitted' ? { formKey: e.formKey } : {}),
    };
    const condition = await this.conditionContext(e.object, variables);
    let started = 0;
    const ctx = { client, now: new Date().toISOString(), jobsDue: false, actor: e.by ? { id: e.by.id, username: e.by.username } : null };
    for (const t of matching) {
      if (t.condition && !this.holds(t, condition)) continue;
      const def = await this.defs.latest(client, t.process_key);
      if (!def) {
        this.logger.warn({ trigger: t.id, processKey: t.process_key }, 'trigger names a process that is not deployed');
        continue;
      }
      const inst = await this.runtime.start(ctx, def, { variables, businessKey: e.recordId, initiator: e.by?.username ?? 'system' }, {
        action: 'workflow.start', object: 'process_instance', data: { key: def.key, version: def.version, trigger: t.id },
      });
      await this.auditSensitiveReads(client, def.id, e.object, e.recordId, inst.id);
      started++;
    }
    return started;
  }

  /**
   * The process holds the record in clear and its expressions may read level ≥ 3 fields (a script
   * `id_number + " / " + mobile`): that is an unmasked read by the process, audited like any other.
   */
  private async auditSensitiveReads(client: PoolClient, definitionId: string, object: string, recordId: string, instanceId: string): Promise<void> {
    const model = await this.defs.model(client, definitionId);
    const read = namesRead(model);
    const all = read.has('*') || read.has('record') || read.has('previous');
    const fields = (await this.meta.object(object)).fields.filter((f) => (f.sensitivity ?? 0) >= 3 && (all || read.has(f.key))).map((f) => f.key);
    if (!fields.length) return;
    await this.audit.record({ action: 'record.read_unmasked', object, recordId, data: { fields, via: 'process', processKey: model.id, instanceId } });
  }

  /** What a condition reads: the variables, with the record's amounts (and its previous ones) as FEEL decimals, not text. */
  private async conditionContext(object: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
    const fields = (await this.meta.object(object)).fields;
    const out = amountsToFeel(fields, variables);
    for (const k of ['record', 'previous']) {
      const r = variables[k];
      if (r && typeof r === 'object') out[k] = amountsToFeel(fields, r as Record<string, unknown>);
    }
    return out;
  }

  private holds(t: TriggerRow, vars: Record<string, unknown>): boolean {
    try {
      return compileFeel(t.condition!).evaluate(vars) === true;
    } catch (err) {
      this.logger.warn({ err, trigger: t.id }, 'trigger condition failed; the process is not started');
      return false;
    }
  }
}
