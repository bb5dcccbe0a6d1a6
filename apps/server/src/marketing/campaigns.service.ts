/**
 * Campaigns: plan (a draft with target, offer, channels, control %, budget, period), launch (directly,
 * or through the configurable BPMN approval), track (responses, automatic conversion) and analyse
 * (funnel, uplift against control, cost per conversion, ROI, by branch / customer manager / channel).
 *
 * Who sees what: holders of `marketing.manage` plan, launch and see every member; anyone else sees a
 * campaign only through members whose customer they may read (the scoped reader's row scope on the
 * customer object — a customer manager sees the members of their team's customers, not another
 * branch's), and counts cover only those members.
 */
import { Injectable } from '@nestjs/common';
import { Decimal } from 'decimal.js';
import { pickText } from '@crm/form-engine';
import type { PoolClient } from 'pg';
import { CampaignCreateBody } from '@crm/shared';
import type {
  Campaign, CampaignCounts, CampaignCreate, CampaignPlanningOptions, CampaignLaunchAnswer, CampaignMember, CampaignMembersPage, CampaignPatch, CampaignResponseAnswer, CampaignResponseInput,
} from '@crm/shared';
import { AccessService } from '../access/access.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import { AppError } from '../common/app-error.js';
import { DomainEvents, type DomainEvent } from '../common/domain-events.js';
import { Db, type Queryable } from '../database/db.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { compileFilter } from '../records/filter-compiler.js';
import { RecordsService } from '../records/records.service.js';
import { ScopedReader } from '../records/scoped-reader.js';
import { systemLiveRows, systemRead, systemRecordsByKey } from '../records/system-reads.js';
import { ProcessInstancesService } from '../workflow/process-instances.service.js';
import { JobsService } from '../jobs/jobs.service.js';
import { upliftOf } from './campaign-stats.js';
import { MessageTemplates } from './message-templates.js';

export const CUSTOMER_OBJECT = 'customer';
export const SEGMENT_OBJECT = 'segment';
/** The customer's segment field (分层) the analysis groups by, when the customer object has it. */
const SEGMENT_FIELD = 'segment';
/** The offer's conversion: a holding of the offered product for a member. */
export const HOLDING = { object: 'holding', customer: 'customer', product: 'product', openedAt: 'opened_at' } as const;
export const APPROVAL_PROCESS = 'marketing_campaign_approval';
export const LAUNCH_JOB = 'campaign.launch';
export const REFRESH_JOB = 'campaign.refresh';
const DEFAULT_CONTROL = 10;
const DEFAULT_ATTRIBUTION = 30;

export interface CampaignSpec {
  /** A pack's sample campaign's key. */
  key?: string;
  goal?: string;
  segment?: string;
  filter?: Record<string, unknown>;
  offerProduct?: string;
  channels: string[];
  messages?: Partial<Record<string, string>>;
  expectedResponse?: string;
  controlPercent: number;
  attributionDays: number;
  startsAt?: string;
  endsAt?: string;
  approval?: boolean;
  /** Re-evaluate the target every N days while active (new qualifying customers join through the gates). */
  refreshDays?: number;
}

export interface CampaignRow {
  id: string;
  name: string;
  status: Campaign['status'];
  spec: CampaignSpec;
  budget: string | null;
  cost: string | null;
  value_per_conversion: string | null;
  org_unit_id: string | null;
  owner_id: string | null;
  created_by: string | null;
  created_at: Date;
  launched_at: Date | null;
  job_id: string | null;
  approval_instance_id: string | null;
  refreshed_at: Date | null;
}

const COLUMNS = `id::text, name, status, spec, budget::text, cost::text, value_per_conversion::text, org_unit_id::text, owner_id::text, created_by::text, created_at, launched_at, job_id, approval_instance_id, refreshed_at`;
const RM_RESPONSES = new Set(['interested', 'not_interested', 'callback']);
const ENGAGEMENT = new Set(['interested', 'not_interested', 'callback', 'opened', 'clicked']);

@Injectable()
export class CampaignsService {
  constructor(
    private readonly db: Db,
    private readonly access: AccessService,
    private readonly reader: ScopedReader,
    private readonly records: RecordsService,
    private readonly meta: MetadataService,
    private readonly audit: AuditService,
    private readonly instances: ProcessInstancesService,
    private readonly jobs: JobsService,
    private readonly templates: MessageTemplates,
    events: DomainEvents,
  ) {
    events.subscribe((e, c) => this.onHolding(e, c), (e) => e.type === 'record.created' && e.object === HOLDING.object);
  }

  async manages(p: Principal): Promise<boolean> {
    return (await this.access.platformRights(p.roles)).has('marketing.manage');
  }

  private async requireManage(p: Principal): Promise<void> {
    if (!(await this.manages(p))) throw new AppError(403, 'common.forbidden');
  }

  async row(q: Queryable, id: string, lock = false): Promise<CampaignRow | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const { rows } = await q.query<CampaignRow>(`SELECT ${COLUMNS} FROM crm.campaigns WHERE id = $1::uuid${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] ?? null;
  }

  /**
   * The members `p` may see, as a WHERE over alias `m` (TRUE for the marketing right): those whose
   * customer lies in the caller's read scope of the customer object.
   */
  private async memberScope(p: Principal, params: unknown[]): Promise<string> {
    if (await this.manages(p)) return 'TRUE';
    if (!(await this.meta.current()).objects.has(CUSTOMER_OBJECT)) return 'FALSE';
    const src = await this.reader.source(CUSTOMER_OBJECT, p, 'read', params, 'sc');
    return `m.customer_id IN (SELECT sc.id FROM ${src.sql})`;
  }

  // ---------- plan ----------

  /** Checks a target: the segment exists for the planner, the filter names only customer fields the planner may read. */
  private async checkTarget(p: Principal, spec: Pick<CampaignSpec, 'segment' | 'filter' | 'offerProduct' | 'messages'>): Promise<void> {
    if (!spec.segment && !spec.filter) throw new AppError(400, 'marketing.no_target');
    await this.templates.check(p, spec.messages);
    if (!(await this.meta.current()).objects.has(CUSTOMER_OBJECT)) throw new AppError(400, 'marketing.no_customers');
    if (spec.segment) await this.segmentFilter(p, spec.segment);
    if (spec.filter) await this.compileTarget(p, spec.filter, []);
    if (spec.offerProduct && !(await systemRecordsByKey(this.db.q, systemRead('campaign planning: the offered product exists'), 'product', 'id', 'uuid', spec.offerProduct)).length) {
      throw new AppError(400, 'marketing.offer_not_found');
    }
  }

  /**
   * The segment's filter (bank pack: object `segment` with code, filter, target_object). Segments are
   * the bank's shared definitions: the planner need not own one to use it, but its filter is compiled
   * with the planner's readable fields like their own.
   */
  async segmentFilter(p: Principal, code: string): Promise<Record<string, unknown>> {
    void p;
    const why = systemRead('campaign planning: a segment by its code, for its filter');
    if (!(await this.meta.current()).objects.has(SEGMENT_OBJECT)) throw new AppError(400, 'marketing.segment_not_found', { code });
    const [hit] = await systemRecordsByKey(this.db.q, why, SEGMENT_OBJECT, 'code', 'text', code);
    const s = hit ? await this.reader.stored(SEGMENT_OBJECT, hit.id, why) : null;
    if (!s || String(s.target_object ?? CUSTOMER_OBJECT) !== CUSTOMER_OBJECT) throw new AppError(400, 'marketing.segment_not_found', { code });
    return (s.filter ?? {}) as Record<string, unknown>;
  }

  /** What a planner picks from: the segments over customers and the products (system reads, bounded). */
  async planningOptions(p: Principal): Promise<CampaignPlanningOptions> {
    await this.requireManage(p);
    const objects = (await this.meta.current()).objects;
    const why = systemRead('campaign planning: the segments and products a planner picks from');
    const segments = objects.has(SEGMENT_OBJECT) ? await systemLiveRows<{ code: string; name: string; target_object: string | null }>(this.db.q, why, SEGMENT_OBJECT, ['code', 'name', 'target_object'], 500) : [];
    const products = objects.has('product') ? await systemLiveRows<{ id: string; code: string; name: string }>(this.db.q, why, 'product', ['id', 'code', 'name'], 500) : [];
    return {
      segments: segments.filter((x) => (x.target_object ?? CUSTOMER_OBJECT) === CUSTOMER_OBJECT).map((x) => ({ code: String(x.code), name: String(x.name ?? x.code) })).sort((a, b) => a.code.localeCompare(b.code)),
      products: products.map((x) => ({ id: String(x.id), code: String(x.code ?? ''), name: String(x.name ?? '') })).sort((a, b) => a.code.localeCompare(b.code)),
      variables: await this.templates.variables(p),
    };
  }

  /** A filter over customers compiled with the planner's readable columns (a field the planner may not read is 400). */
  async compileTarget(p: Principal, filter: unknown, params: unknown[]): Promise<string> {
    const o = await this.meta.object(CUSTOMER_OBJECT);
    const acc = await this.access.forObject(p, CUSTOMER_OBJECT);
    return compileFilter(filter, { columns: this.reader.columns(o, acc), params });
  }

  private specOf(b: CampaignCreate | CampaignPatch, base?: CampaignSpec): CampaignSpec {
    const pick = <K extends keyof CampaignSpec>(k: K): CampaignSpec[K] => ((b as Record<string, unknown>)[k] !== undefined ? (b as CampaignSpec)[k] : base?.[k]) as CampaignSpec[K];
    const spec: CampaignSpec = {
      goal: pick('goal'), segment: pick('segment'), filter: pick('filter'), offerProduct: pick('offerProduct'),
      channels: pick('channels') ?? [], messages: pick('messages'), expectedResponse: pick('expectedResponse'),
      controlPercent: pick('controlPercent') ?? DEFAULT_CONTROL, attributionDays: pick('attributionDays') ?? DEFAULT_ATTRIBUTION,
      startsAt: pick('startsAt'), endsAt: pick('endsAt'), approval: pick('approval'), refreshDays: pick('refreshDays'),
    };
    if (spec.startsAt && spec.endsAt && spec.endsAt < spec.startsAt) throw new AppError(400, 'marketing.bad_period');
    return JSON.parse(JSON.stringify(spec)) as CampaignSpec;
  }

  async create(p: Principal, b: CampaignCreate): Promise<Campaign> {
    await this.requireManage(p);
    const spec = this.specOf(b);
    await this.checkTarget(p, spec);
    const row = await this.db.one<{ id: string }>(
      `INSERT INTO crm.campaigns (name, spec, budget, cost, value_per_conversion, org_unit_id, owner_id, created_by)
       VALUES ($1, $2::jsonb, $3::numeric, $4::numeric, $5::numeric, $6::uuid, $7::uuid, $7::uuid) RETURNING id::text`,
      [b.name, JSON.stringify(spec), b.budget ?? null, b.cost ?? null, b.valuePerConversion ?? null, b.orgUnitId ?? null, p.id],
    );
    await this.audit.record({ action: 'campaign.created', recordId: row!.id, data: { name: b.name } });
    return this.get(p, row!.id);
  }

  async update(p: Principal, id: string, b: CampaignPatch): Promise<Campaign> {
    await this.requireManage(p);
    await this.db.tx(async (c) => {
      const r = await this.row(c, id, true);
      if (!r) throw new AppError(404, 'marketing.campaign_not_found');
      const planning = Object.keys(b).filter((k) => !['cost', 'startsAt', 'endsAt', 'status', 'name', 'valuePerConversion', 'refreshDays'].includes(k));
      if (r.status !== 'draft' && planning.length) throw new AppError(409, 'marketing.not_draft');
      if (b.status === 'completed' && r.status !== 'active') throw new AppError(409, 'marketing.not_launched');
      const spec = this.specOf(b, r.spec);
      if (b.segment !== undefined || b.filter !== undefined || b.offerProduct !== undefined || b.messages !== undefined) await this.checkTarget(p, spec);
      await c.query(
        `UPDATE crm.campaigns SET name = $2, spec = $3::jsonb, budget = $4::numeric, cost = $5::numeric, value_per_conversion = $6::numeric,
                org_unit_id = $7::uuid, status = $8, updated_at = now(), version = version + 1 WHERE id = $1::uuid`,
        [id, b.name ?? r.name, JSON.stringify(spec), b.budget !== undefined ? b.budget : r.budget, b.cost !== undefined ? b.cost : r.cost,
          b.valuePerConversion !== undefined ? b.valuePerConversion : r.value_per_conversion, b.orgUnitId !== undefined ? b.orgUnitId : r.org_unit_id, b.status ?? r.status],
      );
      await this.audit.record({ action: 'campaign.updated', recordId: id, data: { fields: Object.keys(b) } }, c);
    });
    return this.get(p, id);
  }

  /**
   * A pack's sample campaign (bundle `campaigns`), as a draft, once: matched on its `key`; the offer
   * is named by product code. Runs inside the install's transaction. True when created.
   */
  async installSample(c: PoolClient, raw: Record<string, unknown>, p: Principal | null): Promise<boolean> {
    const key = String(raw.key ?? '');
    const { rows } = await c.query(`SELECT 1 FROM crm.campaigns WHERE spec->>'key' = $1`, [key]);
    if (!key || rows.length) return false;
    const { key: _k, offerProductCode, ...rest } = raw;
    const body = CampaignCreateBody.parse(rest);
    let offerProduct: string | undefined;
    if (typeof offerProductCode === 'string') {
      const found = await systemRecordsByKey(c, systemRead('pack install: the sample campaign’s offered product by its code'), 'product', 'code', 'text', offerProductCode);
      offerProduct = found[0]?.id;
    }
    const spec = { ...this.specOf({ ...body, ...(offerProduct ? { offerProduct } : {}) }), key };
    await c.query(
      `INSERT INTO crm.campaigns (name, spec, budget, cost, value_per_conversion, owner_id, created_by) VALUES ($1, $2::jsonb, $3::numeric, $4::numeric, $5::numeric, $6::uuid, $6::uuid)`,
      [body.name, JSON.stringify(spec), body.budget ?? null, body.cost ?? null, body.valuePerConversion ?? null, p?.id ?? null],
    );
    return true;
  }

  // ---------- read ----------

  async list(p: Principal): Promise<Campaign[]> {
    const params: unknown[] = [];
    const scope = await this.memberScope(p, params);
    const rows = await this.db.query<CampaignRow>(
      scope === 'TRUE'
        ? `SELECT ${COLUMNS} FROM crm.campaigns ORDER BY created_at DESC, id LIMIT 200`
        : `SELECT ${COLUMNS} FROM crm.campaigns c WHERE EXISTS (SELECT 1 FROM crm.campaign_members m WHERE m.campaign_id = c.id AND ${scope}) ORDER BY created_at DESC, id LIMIT 200`,
      params,
    );
    const out: Campaign[] = [];
    for (const r of rows) out.push(await this.view(p, r, false));
    return out;
  }

  async get(p: Principal, id: string): Promise<Campaign> {
    const r = await this.row(this.db.q, id);
    if (!r) throw new AppError(404, 'marketing.campaign_not_found');
    const v = await this.view(p, r, true);
    if (!(await this.manages(p)) && v.counts.targeted + v.counts.control === 0) throw new AppError(404, 'marketing.campaign_not_found');
    return v;
  }

  private async view(p: Principal, r: CampaignRow, detail: boolean): Promise<Campaign> {
    const params: unknown[] = [r.id];
    const scope = await this.memberScope(p, params);
    const [agg] = await this.db.query<Record<string, number>>(
      `SELECT count(*) FILTER (WHERE grp = 'target')::int AS targeted,
              count(*) FILTER (WHERE grp = 'control')::int AS control,
              count(*) FILTER (WHERE grp = 'target' AND status IN ('contacted', 'responded', 'converted'))::int AS contacted,
              count(*) FILTER (WHERE grp = 'target' AND response IS NOT NULL)::int AS responded,
              count(*) FILTER (WHERE grp = 'target' AND status = 'converted')::int AS converted,
              count(*) FILTER (WHERE grp = 'control' AND status <> 'excluded')::int AS control_eligible,
              count(*) FILTER (WHERE grp = 'control' AND status = 'converted')::int AS control_converted
         FROM crm.campaign_members m WHERE m.campaign_id = $1::uuid AND ${scope}`,
      params,
    );
    const excludedRows = await this.db.query<{ reason: string; n: number }>(
      `SELECT reason, count(*)::int AS n FROM crm.campaign_members m WHERE m.campaign_id = $1::uuid AND m.grp = 'target' AND m.status = 'excluded' AND ${scope} GROUP BY reason ORDER BY reason`,
      params,
    );
    const a = agg ?? {};
    const counts: CampaignCounts = {
      targeted: a.targeted ?? 0, control: a.control ?? 0, excluded: Object.fromEntries(excludedRows.map((x) => [x.reason, x.n])),
      contacted: a.contacted ?? 0, responded: a.responded ?? 0, converted: a.converted ?? 0, controlConverted: a.control_converted ?? 0,
    };
    const s = r.spec;
    const out: Campaign = {
      id: r.id, name: r.name, channels: s.channels as Campaign['channels'], controlPercent: s.controlPercent, attributionDays: s.attributionDays,
      ...(s.goal ? { goal: s.goal } : {}), ...(s.segment ? { segment: s.segment } : {}), ...(s.filter ? { filter: s.filter } : {}),
      ...(s.offerProduct ? { offerProduct: s.offerProduct } : {}), ...(s.messages ? { messages: s.messages as Campaign['messages'] } : {}),
      ...(s.expectedResponse ? { expectedResponse: s.expectedResponse } : {}), ...(s.startsAt ? { startsAt: s.startsAt } : {}), ...(s.endsAt ? { endsAt: s.endsAt } : {}),
      ...(s.approval !== undefined ? { approval: s.approval } : {}), ...(s.refreshDays ? { refreshDays: s.refreshDays } : {}),
      refreshedAt: r.refreshed_at?.toISOString() ?? null,
      ...(r.budget !== null ? { budget: r.budget } : {}), ...(r.cost !== null ? { cost: r.cost } : {}), ...(r.value_per_conversion !== null ? { valuePerConversion: r.value_per_conversion } : {}),
      ...(r.org_unit_id ? { orgUnitId: r.org_unit_id } : {}),
      status: r.status, ownerId: r.owner_id, createdAt: r.created_at.toISOString(), launchedAt: r.launched_at?.toISOString() ?? null,
      jobId: r.job_id, approvalInstanceId: r.approval_instance_id, counts,
      uplift: upliftOf(counts.converted, counts.contacted, counts.controlConverted, a.control_eligible ?? 0),
      costPerConversion: r.cost !== null && counts.converted > 0 ? new Decimal(r.cost).div(counts.converted).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2) : null,
      roi: r.cost !== null && r.value_per_conversion !== null && new Decimal(r.cost).gt(0)
        ? new Decimal(r.value_per_conversion).mul(counts.converted).minus(r.cost).div(r.cost).toDecimalPlaces(4, Decimal.ROUND_HALF_UP).toFixed(4)
        : null,
    };
    if (detail) out.breakdown = await this.breakdown(r.id, scope, params);
    return out;
  }

  private async breakdown(id: string, scope: string, params: unknown[]): Promise<NonNullable<Campaign['breakdown']>> {
    const measures = `count(*) FILTER (WHERE m.grp = 'target')::int AS targeted,
      count(*) FILTER (WHERE m.grp = 'target' AND m.status IN ('contacted', 'responded', 'converted'))::int AS contacted,
      count(*) FILTER (WHERE m.grp = 'target' AND m.response IS NOT NULL)::int AS responded,
      count(*) FILTER (WHERE m.grp = 'target' AND m.status = 'converted')::int AS converted`;
    type Row = { key: string | null; label: string | null; targeted: number; contacted: number; responded: number; converted: number };
    const where = `m.campaign_id = $1::uuid AND ${scope}`;
    const [branch, manager, channel, segment] = await Promise.all([
      this.db.query<Row>(`SELECT m.org_unit_id::text AS key, max(ou.name) AS label, ${measures} FROM crm.campaign_members m LEFT JOIN crm.org_units ou ON ou.id = m.org_unit_id WHERE ${where} GROUP BY m.org_unit_id ORDER BY targeted DESC LIMIT 100`, params),
      this.db.query<Row>(`SELECT m.owner_id::text AS key, max(coalesce(u.display_name, u.username)) AS label, ${measures} FROM crm.campaign_members m LEFT JOIN crm.users u ON u.id = m.owner_id WHERE ${where} GROUP BY m.owner_id ORDER BY targeted DESC LIMIT 100`, params),
      this.db.query<Row>(`SELECT ch AS key, ch AS label, ${measures} FROM crm.campaign_members m CROSS JOIN LATERAL unnest(m.channels) AS ch WHERE ${where} GROUP BY ch ORDER BY ch`, params),
      this.bySegment(where, [...params], measures),
    ]);
    void id;
    return { branch, manager, channel, segment };
  }

  /**
   * By the customer's segment (分层: the customer object's select field `segment`), labelled by its
   * choices; empty when the object has no such field. The members are already scoped; the customers'
   * segment values are joined by a named system read.
   */
  private async bySegment(where: string, params: unknown[], measures: string): Promise<{ key: string | null; label: string | null; targeted: number; contacted: number; responded: number; converted: number }[]> {
    if (!(await this.meta.current()).objects.has(CUSTOMER_OBJECT)) return [];
    const f = (await this.meta.object(CUSTOMER_OBJECT)).byKey.get(SEGMENT_FIELD);
    if (!f || f.type !== 'select') return [];
    const src = await this.reader.source(CUSTOMER_OBJECT, systemRead('campaign analysis: the members’ customer segment, to group by'), 'read', params, 'cs');
    const rows = await this.db.query<{ key: string | null; targeted: number; contacted: number; responded: number; converted: number }>(
      `SELECT cs.${SEGMENT_FIELD}::text AS key, ${measures} FROM crm.campaign_members m LEFT JOIN ${src.sql} ON cs.id = m.customer_id WHERE ${where} GROUP BY 1 ORDER BY targeted DESC LIMIT 100`,
      params,
    );
    const label = (k: string | null) => {
      const c = k === null ? undefined : f.options?.choices?.find((x) => x.value === k);
      return c ? pickText(c.label, 'zh-CN') : k;
    };
    return rows.map((r) => ({ ...r, label: label(r.key) }));
  }

  async members(p: Principal, id: string, q: { status?: string; task?: 'open' | 'done'; limit?: number; cursor?: string }): Promise<CampaignMembersPage> {
    const r = await this.row(this.db.q, id);
    if (!r) throw new AppError(404, 'marketing.campaign_not_found');
    const params: unknown[] = [id];
    const where = ['m.campaign_id = $1::uuid', await this.memberScope(p, params)];
    if (q.status) where.push(`m.status = $${params.push(q.status)}`);
    if (q.task) where.push(`m.task_status = $${params.push(q.task)}`);
    if (q.cursor) {
      if (!/^[0-9a-f-]{36}$/i.test(q.cursor)) throw new AppError(400, 'common.validation_failed', {}, [{ path: '/cursor', code: 'invalid', message: 'not a cursor of this list' }]);
      where.push(`m.customer_id > $${params.push(q.cursor)}::uuid`);
    }
    const limit = q.limit ?? 100;
    if (q.task === 'open') where.push('m.left_at IS NULL');
    const rows = await this.db.query<{ customer_id: string; status: CampaignMember['status']; grp: CampaignMember['group']; reason: string | null; channels: string[]; task_status: CampaignMember['task']; response: string | null; owner_id: string | null; converted_at: Date | null; left_at: Date | null }>(
      `SELECT m.customer_id::text, m.status, m.grp, m.reason, m.channels, m.task_status, m.response, m.owner_id::text, m.converted_at, m.left_at
         FROM crm.campaign_members m WHERE ${where.join(' AND ')} ORDER BY m.customer_id LIMIT ${limit + 1}`,
      params,
    );
    const page = rows.slice(0, limit);
    return {
      items: page.map((m) => ({
        customerId: m.customer_id, status: m.status, group: m.grp, ...(m.reason ? { reason: m.reason } : {}), channels: m.channels, task: m.task_status,
        response: m.response, ownerId: m.owner_id, convertedAt: m.converted_at?.toISOString() ?? null, ...(m.left_at ? { leftAt: m.left_at.toISOString() } : {}),
      })),
      nextCursor: rows.length > limit ? page[page.length - 1]!.customer_id : null,
    };
  }

  // ---------- launch ----------

  async launch(p: Principal, id: string): Promise<CampaignLaunchAnswer> {
    await this.requireManage(p);
    const r = await this.row(this.db.q, id);
    if (!r) throw new AppError(404, 'marketing.campaign_not_found');
    if (r.status !== 'draft') throw new AppError(409, 'marketing.not_launchable', { status: r.status });
    // The target is checked again as it stands now (a segment changed since planning, a right taken away).
    await this.checkTarget(p, r.spec);
    if (r.spec.approval) {
      const inst = await this.instances.start(p, APPROVAL_PROCESS, { variables: { campaignId: id, campaignName: r.name, budget: r.budget }, businessKey: id })
        .catch((err: unknown) => {
          if (err instanceof AppError && err.status === 404) throw new AppError(400, 'marketing.approval_process_missing', { key: APPROVAL_PROCESS });
          throw err;
        });
      const moved = await this.db.query(`UPDATE crm.campaigns SET status = 'pending_approval', approval_instance_id = $2, updated_at = now() WHERE id = $1::uuid AND status = 'draft' RETURNING id`, [id, String(inst.id)]);
      if (!moved.length) throw new AppError(409, 'marketing.not_launchable', { status: 'pending_approval' });
      await this.audit.record({ action: 'campaign.submitted', recordId: id, data: { processInstanceId: inst.id } });
      return { processInstanceId: String(inst.id), status: 'pending_approval' };
    }
    const jobId = await this.db.tx((c) => this.startLaunch(c, r, p.id));
    await this.audit.record({ action: 'campaign.launched', recordId: id, data: { jobId } });
    return { jobId };
  }

  /** Moves a campaign to `launching` and enqueues its launch job, in one transaction. */
  async startLaunch(c: PoolClient, r: CampaignRow, by: string | null): Promise<string> {
    const moved = await c.query(`UPDATE crm.campaigns SET status = 'launching', launched_at = now(), updated_at = now() WHERE id = $1::uuid AND status IN ('draft', 'pending_approval') RETURNING id`, [r.id]);
    if (!moved.rowCount) throw new AppError(409, 'marketing.not_launchable', { status: r.status });
    const { jobId } = await this.jobs.enqueue(LAUNCH_JOB, { campaignId: r.id }, { createdBy: by, dedupeKey: `${LAUNCH_JOB}:${r.id}`, tx: c });
    await c.query(`UPDATE crm.campaigns SET job_id = $2 WHERE id = $1::uuid`, [r.id, jobId]);
    return jobId;
  }

  /**
   * Re-evaluates an active campaign's target now (`campaign.refresh` job, one per campaign at a time):
   * customers who qualify and are not members join through the same gates; members who no longer
   * qualify are marked left and their queued messages cancelled, so they are not contacted again.
   */
  async refresh(p: Principal, id: string): Promise<{ jobId: string }> {
    await this.requireManage(p);
    const r = await this.row(this.db.q, id);
    if (!r) throw new AppError(404, 'marketing.campaign_not_found');
    if (r.status !== 'active') throw new AppError(409, 'marketing.not_active', { status: r.status });
    await this.checkTarget(p, r.spec);
    const out = await this.enqueueRefresh(r, p.id);
    await this.audit.record({ action: 'campaign.refresh', recordId: id, data: { jobId: out.jobId } });
    return out;
  }

  /** Queues the refresh job of an active campaign (409 `job.already_running` while one is unfinished). */
  enqueueRefresh(r: CampaignRow, by: string | null): Promise<{ jobId: string }> {
    return this.jobs.enqueue(REFRESH_JOB, { campaignId: r.id }, { createdBy: by, dedupeKey: `${REFRESH_JOB}:${r.id}` });
  }

  /** The approval process's decision (service task `marketing-campaign-decision`), only from the campaign's own approval instance. */
  async decide(instanceId: string, campaignId: unknown, approved: unknown): Promise<Record<string, unknown>> {
    return this.db.tx(async (c) => {
      const r = typeof campaignId === 'string' ? await this.row(c, campaignId, true) : null;
      if (!r || r.status !== 'pending_approval' || r.approval_instance_id !== instanceId) return { campaignDecision: 'ignored' };
      if (approved !== true) {
        await c.query(`UPDATE crm.campaigns SET status = 'rejected', updated_at = now() WHERE id = $1::uuid`, [r.id]);
        return { campaignDecision: 'rejected' };
      }
      const jobId = await this.startLaunch(c, r, r.created_by);
      return { campaignDecision: 'launched', campaignJobId: jobId };
    });
  }

  // ---------- track ----------

  async respond(p: Principal, id: string, b: CampaignResponseInput): Promise<CampaignResponseAnswer> {
    const r = await this.row(this.db.q, id);
    if (!r) throw new AppError(404, 'marketing.campaign_not_found');
    const params: unknown[] = [id, b.customerId];
    const scope = await this.memberScope(p, params);
    return this.db.tx(async (c) => {
      const { rows } = await c.query<{ grp: string; status: string; reason: string | null }>(
        `SELECT m.grp, m.status, m.reason FROM crm.campaign_members m WHERE m.campaign_id = $1::uuid AND m.customer_id = $2::uuid AND ${scope} FOR UPDATE OF m`,
        params,
      );
      const m = rows[0];
      if (!m) throw new AppError(404, 'marketing.member_not_found');
      if (r.status !== 'active' && r.status !== 'completed') throw new AppError(409, 'marketing.not_launched');
      if (m.grp === 'control') throw new AppError(409, 'marketing.control_member');
      if (m.status === 'excluded') throw new AppError(409, 'marketing.excluded_member', { reason: m.reason });
      await c.query(`INSERT INTO crm.campaign_responses (campaign_id, customer_id, response, channel, by_user) VALUES ($1::uuid, $2::uuid, $3, $4, $5::uuid)`, [id, b.customerId, b.response, b.channel ?? null, p.id]);
      const { rows: after } = await c.query<{ status: CampaignMember['status']; response: string | null }>(
        `UPDATE crm.campaign_members SET
            response = CASE WHEN $3 THEN $4 ELSE response END,
            responded_at = CASE WHEN $3 THEN now() ELSE responded_at END,
            status = CASE WHEN $3 AND status IN ('contacted', 'responded') THEN 'responded' ELSE status END,
            task_status = CASE WHEN task_status = 'open' AND $5 THEN 'done' ELSE task_status END,
            updated_at = now()
          WHERE campaign_id = $1::uuid AND customer_id = $2::uuid RETURNING status, response`,
        [id, b.customerId, ENGAGEMENT.has(b.response), b.response, RM_RESPONSES.has(b.response) && b.response !== 'callback'],
      );
      await this.audit.record({ action: 'campaign.response', recordId: id, data: { customerId: b.customerId, response: b.response } }, c);
      return { customerId: b.customerId, status: after[0]!.status, response: b.response };
    });
  }

  /**
   * A holding opened for a member converts them (target or control, not excluded) when its product is
   * the campaign's offer and its opening date lies in the attribution window: from the launch day to
   * `attributionDays` days after it (Asia/Shanghai dates). Runs in the writer's transaction.
   */
  private async onHolding(e: DomainEvent, c: PoolClient): Promise<void> {
    if (e.type !== 'record.created') return;
    const rec = e.record;
    const customer = rec[HOLDING.customer];
    const product = rec[HOLDING.product];
    if (typeof customer !== 'string' || typeof product !== 'string') return;
    const opened = typeof rec[HOLDING.openedAt] === 'string' ? (rec[HOLDING.openedAt] as string).slice(0, 10) : null;
    await c.query(
      `UPDATE crm.campaign_members m SET status = 'converted', converted_at = now(), conversion_record_id = $3::uuid, updated_at = now()
         FROM crm.campaigns c
        WHERE m.campaign_id = c.id AND m.customer_id = $1::uuid AND m.status NOT IN ('excluded', 'converted', 'pending')
          AND c.status IN ('active', 'completed') AND c.spec->>'offerProduct' = $2 AND c.launched_at IS NOT NULL
          AND coalesce($4::date, (now() AT TIME ZONE 'Asia/Shanghai')::date)
              BETWEEN (c.launched_at AT TIME ZONE 'Asia/Shanghai')::date AND (c.launched_at AT TIME ZONE 'Asia/Shanghai')::date + (c.spec->>'attributionDays')::int`,
      [customer, product, e.recordId, opened],
    );
  }
}
