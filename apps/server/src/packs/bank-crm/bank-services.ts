/**
 * Service task types of the bank-crm pack (handed to the workflow's ServiceTaskRegistry by the pack registry) and
 * the KYC review scheduler. Sensitive values (ID numbers) are read here on the server and never
 * become process variables: the AML check gets them directly and returns only the verdict.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Db } from '../../database/db.js';
import { AuditService } from '../../audit/audit.service.js';
import { LOGGER } from '../../logging/logger.token.js';
import { MetadataService } from '../../metadata/metadata.service.js';
import { quoteIdent } from '../../metadata/field-types.js';
import { RecordsService } from '../../records/records.service.js';
import { ScopedReader, systemRead } from '../../records/scoped-reader.js';
import { BpmnError, type ServiceContext, type ServiceHandler } from '../../workflow/service-tasks.js';
import type { PackServiceTasks } from '../solution-pack.js';
import { amlScreening } from './aml-screening.js';
import { RequestVariables } from '../../workflow/request-variables.js';
import type { Principal } from '../../auth/principal.js';
import { DefinitionsService } from '../../workflow/definitions.service.js';
import { WorkflowRuntime } from '../../workflow/runtime.service.js';
import { bankBundle, isInstalled, packConfig, packObject } from './customers/bank-pack.js';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';

const KYC_PROCESS = 'bank_kyc_review';
/** The pack's technical role (template.json): writes only status fields, declared by the models' crm:runAs. */
const PACK_ROLE = 'workflow_bank';

/**
 * A technical role acting for `user` (its id goes to updated_by and the audit trail) or for the
 * platform's schedule (no user: updated_by stays empty). Its rights are the role's, nothing more.
 */
function technicalPrincipal(role: string, user: Principal | null): Principal {
  return { id: user?.id ?? (null as unknown as string), username: user?.username ?? role, displayName: null, roles: [role], orgUnitId: null, via: 'token' };
}

function addMonths(d: Date, months: number): string {
  const x = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate()));
  return x.toISOString().slice(0, 10);
}

/** A validation refusal as one line for an incident: each problem's field and message (the writer's own view). */
function invalidText(err: unknown): string {
  const e = err as { code?: string; details?: unknown };
  const details = typeof e.details === 'function' ? (e.details as (l: 'zh-CN') => unknown)('zh-CN') : e.details;
  const list = Array.isArray(details) ? (details as { path?: string; code?: string; message?: string }[]) : [];
  return `${e.code ?? 'invalid'}: ${list.map((d) => `${d.path || '/'} ${d.code ?? ''} ${d.message ?? ''}`.trim()).join('; ')}`.slice(0, 900);
}

@Injectable()
export class BankServices implements PackServiceTasks {
  private packObjects: Set<string> | undefined;
  private packProcesses: Set<string> | undefined;

  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly records: RecordsService,
    private readonly reader: ScopedReader,
    private readonly defs: DefinitionsService,
    private readonly runtime: WorkflowRuntime,
    private readonly audit: AuditService,
    private readonly inputs: RequestVariables,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The pack's service-task types, registered with the workflow by the pack registry at start-up. */
  serviceTasks(): Record<string, ServiceHandler> {
    return {
      'aml-screening': (input) => amlScreening(this.db, input),
      'bank-customer-context': (input, ctx) => this.customerContext(input, ctx),
      'bank-aml-screening': (input, ctx) => this.aml(input, ctx),
      'bank-record-patch': (input, ctx) => this.recordPatch(input, ctx),
      'bank-kyc-complete': (input, ctx) => this.kycComplete(input, ctx),
      // Run daily by the pack's bank_kyc_scheduler process (timer start event), as its technical role.
      'bank-kyc-due': async (input, ctx) => {
        if (!ctx.runAs) throw new BpmnError('RUN_AS_REQUIRED', 'bank-kyc-due writes customers: declare crm:runAs');
        return this.scheduleKycReviews(Number(input.max ?? 200) || 200, technicalPrincipal(ctx.runAs, null));
      },
    };
  }

  /**
   * The customer a step is about, read on the server for its decisions. When a user's step triggered
   * it, that user must be able to read the customer: a process never carries another branch's
   * customer (its name, risk, owner, a task in that branch) to someone who may not see it.
   */
  private async customer(id: unknown, ctx?: ServiceContext): Promise<Record<string, unknown>> {
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw new BpmnError('CUSTOMER_REQUIRED', 'customerId is not a record id');
    if (ctx?.actor) {
      const user = await this.principalOf(ctx.actor.id);
      if (!user || !(await this.inputs.mayRead(user, packConfig().customer, id))) throw new BpmnError('CUSTOMER_OUT_OF_SCOPE', `${ctx.actor.username} may not read customer ${id}`);
    }
    const rec = await this.records.loadInternal(packConfig().customer, id);
    if (!rec) throw new BpmnError('CUSTOMER_NOT_FOUND', `no customer ${id}`);
    return rec;
  }

  /** Who looks after the customer and where: owner (the customer manager), sub-branch and branch codes. */
  private async customerContext(input: Record<string, unknown>, ctx: ServiceContext): Promise<Record<string, unknown>> {
    const c = await this.customer(input.customerId, ctx);
    const owner = c.owner_id ? await this.db.one<{ username: string }>('SELECT username FROM crm.users WHERE id = $1', [c.owner_id]) : undefined;
    const units = c.org_unit_id
      ? await this.db.query<{ code: string | null; id: string; kind: string }>(
          `SELECT u.code, u.id::text AS id, u.kind FROM crm.org_units me JOIN crm.org_units u ON u.id = ANY(me.path) WHERE me.id = $1 LIMIT 20`,
          [c.org_unit_id],
        )
      : [];
    const pick = (kind: string) => units.find((u) => u.kind === kind);
    const sub = pick('sub_branch') ?? pick('branch') ?? pick('head_office');
    const branch = pick('branch') ?? pick('head_office');
    const ownerUsername = owner?.username ?? null;
    return {
      customerName: c.name ?? null,
      customerType: c.customer_type ?? null,
      riskLevel: c.risk_level ?? 'low',
      ownerUsername,
      handler: ownerUsername,
      subBranch: sub ? (sub.code ?? sub.id) : '',
      branch: branch ? (branch.code ?? branch.id) : '',
    };
  }

  /** Screens the customer's name and ID number / USCC against the local lists; only the verdict leaves. */
  private async aml(input: Record<string, unknown>, ctx: ServiceContext): Promise<Record<string, unknown>> {
    const c = await this.customer(input.customerId, ctx);
    const idNumber = (c.id_number as string | null) ?? (c.uscc as string | null) ?? undefined;
    if (c.id_number) {
      // The process reads a level-3 value in clear (never into its variables): audited like any such read.
      await this.audit.record({
        action: 'record.read_unmasked', object: packConfig().customer, recordId: String(c.id),
        actorId: ctx.actor?.id ?? null, actorName: ctx.actor?.username ?? 'system',
        data: { fields: ['id_number'], via: 'process', service: 'bank-aml-screening', instanceId: ctx.instanceId },
      });
    }
    const out = await amlScreening(this.db, { name: c.name, ...(idNumber ? { idNumber } : {}) });
    const matches = (out.amlMatches as { list: string; matchedOn: string }[] | undefined) ?? [];
    return { amlHit: out.amlHit === true, amlMatches: matches.map((m) => ({ list: m.list, matchedOn: m.matchedOn })) };
  }

  /**
   * Sets fields of a record of one of the pack's objects (status write-backs) as the user whose step
   * triggered the service — or, when the model declares `crm:runAs`, as that technical role, and then
   * only on a record that user may read. Never as the unscoped platform.
   */
  private async recordPatch(input: Record<string, unknown>, ctx: ServiceContext): Promise<Record<string, unknown>> {
    this.packObjects ??= new Set(bankBundle().objects.map((o) => o.key));
    const object = String(input.object ?? '');
    if (!this.packObjects.has(object)) throw new BpmnError('RECORD_PATCH_REFUSED', `bank-record-patch does not write ${object}`);
    const id = String(input.id ?? '');
    const values = input.values && typeof input.values === 'object' ? (input.values as Record<string, unknown>) : {};
    const writer = await this.writer(ctx, object, id);
    for (let attempt = 0; attempt < 3; attempt++) {
      const cur = await this.records.loadInternal(object, id);
      if (!cur) throw new BpmnError('RECORD_NOT_FOUND', `no ${object} ${id}`);
      if (Object.entries(values).every(([k, v]) => cur[k] === v)) return {};
      try {
        await this.records.patch(object, id, { ...values, version: cur.version }, writer, { lang: 'zh-CN' });
        return {};
      } catch (err) {
        const status = (err as { status?: number }).status;
        if (status === 403 || status === 404) throw new BpmnError('RECORD_WRITE_REFUSED', `${writer.username} may not write ${object} ${id}`);
        // Refused by validation (an object rule, a field's constraint): retrying cannot help; say why.
        if (status === 400) throw new BpmnError('RECORD_INVALID', invalidText(err));
        if (status !== 409) throw err;
      }
    }
    throw new Error(`${object} ${id} kept changing`);
  }

  /** Who a service writes as: the triggering user, or the declared technical role if that user may read the record. */
  private async writer(ctx: ServiceContext, object: string, id: string): Promise<Principal> {
    const user = ctx.actor ? await this.principalOf(ctx.actor.id) : null;
    if (ctx.actor && !user) throw new BpmnError('ACTOR_DISABLED', `${ctx.actor.username} can no longer act`);
    if (user && !(await this.inputs.mayRead(user, object, id))) throw new BpmnError('RECORD_OUT_OF_SCOPE', `${user.username} may not read ${object} ${id}`);
    const runAs = ctx.runAs ?? (await this.legacyRunAs(ctx.instanceId));
    if (runAs) return technicalPrincipal(runAs, user);
    if (!user) throw new BpmnError('NO_ACTOR', 'a service that writes records needs the user whose step triggered it or crm:runAs');
    return user;
  }

  /**
   * Instances started on a pack model from before its services declared `crm:runAs` (pack 1.1 and
   * older) keep running after an upgrade: their status write-backs act as the pack's own technical
   * role, as the new models declare (for the triggering user, who must still read the record) —
   * never as the unscoped platform.
   */
  private async legacyRunAs(instanceId: string): Promise<string | undefined> {
    const row = await this.db.one<{ key: string }>('SELECT definition_key AS key FROM crm.wf_instances WHERE id = $1', [instanceId]);
    this.packProcesses ??= new Set(bankBundle().processes.map((p) => p.key));
    return row && this.packProcesses.has(row.key) ? PACK_ROLE : undefined;
  }

  private async principalOf(id: string): Promise<Principal | null> {
    const u = await this.db.one<{ id: string; username: string; display_name: string | null; roles: string[]; org_unit_id: string | null; disabled: boolean }>(
      'SELECT id::text AS id, username, display_name, roles, org_unit_id::text AS org_unit_id, disabled FROM crm.users WHERE id = $1::uuid',
      [id],
    );
    if (!u || u.disabled) return null;
    return { id: u.id, username: u.username, displayName: u.display_name, roles: u.roles, orgUnitId: u.org_unit_id, via: 'token' };
  }

  private async kycComplete(input: Record<string, unknown>, ctx: ServiceContext): Promise<Record<string, unknown>> {
    const c = await this.customer(input.customerId);
    const months = Number(input.months ?? 12);
    const riskLevel = ['low', 'medium', 'high'].includes(String(input.riskLevel)) ? String(input.riskLevel) : (c.risk_level ?? 'low');
    const next = addMonths(new Date(), Number.isFinite(months) && months > 0 ? months : 12);
    await this.recordPatch({ object: packConfig().customer, id: c.id, values: { kyc_status: 'verified', risk_level: riskLevel, kyc_next_review: next } }, ctx);
    return { kycNextReview: next };
  }

  /**
   * Starts a KYC review for customers whose next review date has come (set by risk level through the
   * kycReviewInterval decision: high quarterly, medium yearly, low every three years), at most `max`
   * per run; each customer is marked "reviewing" in the same transaction, so a review starts once.
   */
  async scheduleKycReviews(max = this.config.kycBatch, as: Principal = technicalPrincipal(PACK_ROLE, null)): Promise<{ started: number }> {
    if (!(await isInstalled(this.meta))) return { started: 0 };
    const cfg = packConfig();
    const o = await packObject(this.meta, cfg.customer, ['kyc_next_review', 'kyc_status']);
    const def = await this.defs.latest(this.db.pool, KYC_PROCESS);
    if (!def) return { started: 0 };
    const today = new Date().toISOString().slice(0, 10);
    const params: unknown[] = [today, Math.max(1, Math.min(max, 5000))];
    const live = await this.reader.source(o.key, systemRead('KYC scheduler: customers whose review is due'), 'read', params);
    const due = await this.db.query<{ id: string }>(
      `SELECT t.id::text AS id FROM ${live.sql} WHERE t.${quoteIdent('kyc_next_review')} <= $1::date
         AND t.${quoteIdent('kyc_status')} IS DISTINCT FROM 'reviewing' ORDER BY t.${quoteIdent('kyc_next_review')}, t.id LIMIT $2`,
      params,
    );
    let started = 0;
    for (const { id } of due) {
      await this.runtime.tx(async (ctx) => {
        const cur = await this.records.loadInternal(o.key, id, ctx.client);
        if (!cur || cur.kyc_status === 'reviewing') return;
        await this.records.patch(o.key, id, { kyc_status: 'reviewing', version: cur.version }, as, { lang: 'zh-CN', client: ctx.client });
        const row = await this.runtime.start(ctx, def, { variables: { customerId: id, riskLevel: cur.risk_level ?? 'low' }, businessKey: id, initiator: 'system' });
        await this.audit.record({ action: 'workflow.start', object: 'process_instance', recordId: row.id, actorId: null, data: { key: def.key, version: def.version, reason: 'kyc_due' } }, ctx.client);
        started++;
      });
    }
    if (started) this.logger.info({ started }, 'KYC reviews started');
    return { started };
  }
}
