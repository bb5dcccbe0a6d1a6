/**
 * The `campaign.launch` job: materialise the members, apply the gates, create the activities.
 *
 * 1. Materialise (one INSERT … SELECT, committed with its checkpoint): every live customer matching
 *    the segment's filter (or the campaign's own) inside the campaign's branch scope becomes a member,
 *    `pending`; the group is a seeded hash — md5(campaign id : customer id) — below the control
 *    percentage: `control`, else `target`, so the same campaign always holds out the same customers.
 *    The filter is compiled with the planner's readable customer columns; the rows are all customers
 *    of the branch scope (the marketing right targets bank-wide, the filter cannot name what the
 *    planner may not read).
 * 2. Gates, in batches of BATCH pending members (each batch, its contacts, messages and checkpoint in
 *    one transaction): target members are admitted channel by channel by the contact gates (which
 *    record the contacts); a member with at least one allowed channel is `contacted` with those
 *    channels (an open call task for their customer manager when `task` is one, a queued message per
 *    message channel), else `excluded` with the first channel's reason. Control members are checked
 *    (nothing recorded) so that uplift compares like with like: `planned`, or `excluded` too.
 * 3. The campaign becomes `active`. A killed process resumes at step 2: pending members are the cursor.
 *
 * The same job as `campaign.refresh` on an active campaign: step 1 inserts only the customers who
 * qualify now and are not members yet (they then pass the same gates), and marks members who no longer
 * qualify as left (their queued messages of this campaign cancelled: not contacted again; a member
 * who qualifies again is no longer left but is not contacted twice).
 *
 * Message texts are the campaign's templates rendered per member (message-templates.ts) as the
 * planner may read the customer, one statement per batch.
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { Principal } from '../auth/principal.js';
import { AppError } from '../common/app-error.js';
import { Db } from '../database/db.js';
import { JobRegistry, type JobContext, type JobHandler } from '../jobs/job-registry.js';
import { systemRead } from '../records/system-reads.js';
import { ScopedReader } from '../records/scoped-reader.js';
import { ServiceTaskRegistry } from '../workflow/service-tasks.js';
import { CampaignsService, CUSTOMER_OBJECT, LAUNCH_JOB, REFRESH_JOB, type CampaignRow } from './campaigns.service.js';
import { ContactGates, type ExclusionReason } from './contact-gates.js';
import { MarketingOutbox } from './marketing-outbox.js';
import { MessageTemplates, type TemplateContext } from './message-templates.js';

export const BATCH = 2000;
const MESSAGE_CHANNELS = new Set(['sms', 'wecom', 'push']);

/** The SQL deciding a member's group: a reproducible hash of campaign and customer below the control share (basis points). */
export const GROUP_SQL = (campaign: string, customer: string, basisPoints: string) =>
  `CASE WHEN (('x' || substr(md5(${campaign}::text || ':' || ${customer}::text), 1, 8))::bit(32)::bigint % 10000) < ${basisPoints} THEN 'control' ELSE 'target' END`;

interface Cursor {
  phase: 'gates';
  done: number;
  total: number;
  /** A refresh: members found no longer in the target. */
  left?: number;
}

@Injectable()
export class CampaignLaunchJob implements JobHandler, OnModuleInit {
  readonly kind = LAUNCH_JOB;

  constructor(
    private readonly db: Db,
    private readonly registry: JobRegistry,
    private readonly services: ServiceTaskRegistry,
    private readonly campaigns: CampaignsService,
    private readonly reader: ScopedReader,
    private readonly gates: ContactGates,
    private readonly outbox: MarketingOutbox,
    private readonly templates: MessageTemplates,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
    this.registry.register({ kind: REFRESH_JOB, run: (ctx) => this.run(ctx, true) });
    this.services.register('marketing-campaign-decision', (input, ctx) => this.campaigns.decide(ctx.instanceId, input.campaignId, input.approved));
  }

  private async planner(id: string | null): Promise<Principal> {
    const u = id
      ? await this.db.one<{ id: string; username: string; display_name: string | null; roles: string[]; org_unit_id: string | null; disabled: boolean }>(
        'SELECT id::text AS id, username, display_name, roles, org_unit_id::text AS org_unit_id, disabled FROM crm.users WHERE id = $1::uuid', [id])
      : undefined;
    if (!u || u.disabled) throw new AppError(409, 'marketing.not_launchable', { status: 'planner_disabled' });
    return { id: u.id, username: u.username, displayName: u.display_name, roles: u.roles, orgUnitId: u.org_unit_id, via: 'token' };
  }

  async run(ctx: JobContext, refresh = false): Promise<Record<string, unknown>> {
    const campaignId = String((ctx.params as { campaignId?: unknown })?.campaignId ?? '');
    const r = await this.campaigns.row(this.db.q, campaignId);
    if (!r) throw new AppError(404, 'marketing.campaign_not_found');
    if (refresh && r.status !== 'active') return { campaignId, skipped: r.status };
    try {
      let cursor = ctx.cursor as Cursor | null;
      if (!cursor) cursor = await this.materialise(ctx, r, refresh);
      const sender = await this.planner(r.created_by);
      const tctx: TemplateContext = { campaignName: r.name, offerName: await this.templates.offerName(r.spec.offerProduct) };
      for (;;) {
        if (ctx.signal.aborted) return { campaignId, interrupted: true, done: cursor.done };
        const next = await this.db.tx((c) => this.gateBatch(c, ctx, r, cursor!, sender, tctx));
        if (!next) break;
        cursor = next;
      }
      if (refresh) await this.db.query(`UPDATE crm.campaigns SET refreshed_at = $2, updated_at = now() WHERE id = $1::uuid`, [campaignId, this.gates.now()]);
      else await this.db.query(`UPDATE crm.campaigns SET status = 'active', updated_at = now() WHERE id = $1::uuid AND status = 'launching'`, [campaignId]);
      const counts = await this.db.one<Record<string, number>>(
        `SELECT count(*)::int AS members, count(*) FILTER (WHERE grp = 'control')::int AS control, count(*) FILTER (WHERE status = 'excluded')::int AS excluded,
                count(*) FILTER (WHERE status = 'contacted')::int AS contacted FROM crm.campaign_members WHERE campaign_id = $1::uuid`,
        [campaignId],
      );
      return { campaignId, ...counts, ...(cursor.left !== undefined ? { joined: cursor.total, left: cursor.left } : {}) };
    } catch (err) {
      if (!ctx.signal.aborted) await this.db.query(`UPDATE crm.campaigns SET status = 'failed', updated_at = now() WHERE id = $1::uuid AND status = 'launching'`, [campaignId]);
      throw err;
    }
  }

  /** Step 1: every member in one statement, with the checkpoint in the same transaction (a refresh: the newcomers, and who left). */
  private async materialise(ctx: JobContext, r: CampaignRow, refresh: boolean): Promise<Cursor> {
    const p = await this.planner(ctx.createdBy);
    const filter = r.spec.segment ? await this.campaigns.segmentFilter(p, r.spec.segment) : (r.spec.filter ?? {});
    return this.db.tx(async (c) => {
      await c.query(`SELECT set_config('statement_timeout', '600000', true)`);
      const params: unknown[] = [r.id, Math.round(r.spec.controlPercent * 100)];
      const src = await this.reader.source(CUSTOMER_OBJECT, systemRead('campaign launch: the customers of the campaign’s branch scope, filtered with the planner’s readable fields'), 'read', params);
      const where: string[] = [];
      if (filter && Object.keys(filter).length) where.push(`(${await this.campaigns.compileTarget(p, filter, params)})`);
      if (r.org_unit_id) where.push(`t.org_unit_id IN (SELECT ou.id FROM crm.org_units ou WHERE $${params.push(r.org_unit_id)}::uuid = ANY(ou.path))`);
      const target = `SELECT t.id, t.owner_id, t.org_unit_id FROM ${src.sql} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
      const insert = `INSERT INTO crm.campaign_members (campaign_id, customer_id, owner_id, org_unit_id, grp, status)
         SELECT $1::uuid, t.id, t.owner_id, t.org_unit_id, ${GROUP_SQL('$1::uuid', 't.id', '$2::int')}, 'pending'
           FROM ${refresh ? 'cur' : `(${target})`} t
         ON CONFLICT (campaign_id, customer_id) DO NOTHING`;
      let cursor: Cursor;
      if (!refresh) {
        const ins = await c.query(insert, params);
        cursor = { phase: 'gates', done: 0, total: ins.rowCount ?? 0 };
      } else {
        // One statement: the target now, the newcomers, who came back, who left and their queued messages.
        const now = `$${params.push(this.gates.now())}::timestamptz`;
        const [n] = (await c.query<{ joined: number; left: number }>(
          `WITH cur AS MATERIALIZED (${target}),
                ins AS (${insert} RETURNING 1),
                back AS (UPDATE crm.campaign_members m SET left_at = NULL, updated_at = now() WHERE m.campaign_id = $1::uuid AND m.left_at IS NOT NULL AND m.customer_id IN (SELECT id FROM cur)),
                gone AS (UPDATE crm.campaign_members m SET left_at = ${now}, updated_at = now()
                          WHERE m.campaign_id = $1::uuid AND m.left_at IS NULL AND NOT EXISTS (SELECT 1 FROM cur WHERE cur.id = m.customer_id) RETURNING m.customer_id),
                cancelled AS (UPDATE crm.marketing_outbox o SET status = 'cancelled', reason = 'left_target'
                          WHERE o.source_kind = 'campaign' AND o.source_id = $1::text AND o.status = 'queued' AND o.customer_id IN (SELECT customer_id FROM gone))
           SELECT (SELECT count(*) FROM ins)::int AS joined, (SELECT count(*) FROM gone)::int AS left`,
          params,
        )).rows;
        cursor = { phase: 'gates', done: 0, total: n?.joined ?? 0, left: n?.left ?? 0 };
      }
      await ctx.progress({ done: 0, total: cursor.total, cursor }, c);
      return cursor;
    });
  }

  /** Step 2, one batch: gates, contacts, tasks, messages, member statuses and the checkpoint together. Null when none is left. */
  private async gateBatch(c: PoolClient, ctx: JobContext, r: CampaignRow, cursor: Cursor, sender: Principal, tctx: TemplateContext): Promise<Cursor | null> {
    const { rows } = await c.query<{ customer_id: string; grp: 'target' | 'control' }>(
      `SELECT customer_id::text, grp FROM crm.campaign_members WHERE campaign_id = $1::uuid AND status = 'pending' ORDER BY customer_id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
      [r.id],
    );
    if (!rows.length) return null;
    const now = this.gates.now();
    const source = { kind: 'campaign' as const, id: r.id };
    const target = rows.filter((m) => m.grp === 'target').map((m) => m.customer_id);
    const control = rows.filter((m) => m.grp === 'control').map((m) => m.customer_id);
    const allowed = new Map<string, string[]>();
    const firstReason = new Map<string, ExclusionReason>();
    const note = (id: string, ch: string, v: { allowed: boolean; reason?: ExclusionReason }) => {
      if (v.allowed) allowed.set(id, [...(allowed.get(id) ?? []), ch]);
      else if (!firstReason.has(id) && v.reason) firstReason.set(id, v.reason);
    };
    for (const ch of r.spec.channels) {
      const tv = await this.gates.admit(c, target, ch, source, now);
      for (const id of target) note(id, ch, tv.get(id)!);
      const cv = await this.gates.check(c, control, ch, now);
      for (const id of control) note(id, ch, cv.get(id)!);
    }
    const templates = Object.fromEntries(r.spec.channels.filter((ch) => MESSAGE_CHANNELS.has(ch)).map((ch) => [ch, r.spec.messages?.[ch] ?? r.name]));
    const toSend = rows.filter((m) => m.grp === 'target' && (allowed.get(m.customer_id) ?? []).some((ch) => MESSAGE_CHANNELS.has(ch))).map((m) => m.customer_id);
    const texts = await this.templates.renderBatch(c, sender, templates, toSend, tctx);
    const messages: { customerId: string; channel: string; body: string }[] = [];
    const ids: string[] = [], statuses: string[] = [], reasons: (string | null)[] = [], channels: string[] = [], tasks: (string | null)[] = [];
    for (const m of rows) {
      const ok = allowed.get(m.customer_id) ?? [];
      ids.push(m.customer_id);
      channels.push(`{${(m.grp === 'target' ? ok : []).join(',')}}`);
      if (!ok.length) {
        statuses.push('excluded');
        reasons.push(firstReason.get(m.customer_id) ?? 'no_consent');
        tasks.push(null);
        continue;
      }
      reasons.push(null);
      if (m.grp === 'control') {
        statuses.push('planned');
        tasks.push(null);
        continue;
      }
      statuses.push('contacted');
      tasks.push(ok.includes('task') ? 'open' : null);
      for (const ch of ok) if (MESSAGE_CHANNELS.has(ch)) messages.push({ customerId: m.customer_id, channel: ch, body: texts.get(m.customer_id)?.get(ch) ?? r.name });
    }
    await c.query(
      `UPDATE crm.campaign_members m SET status = u.status, reason = u.reason, channels = u.channels::text[], task_status = u.task, updated_at = now()
         FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(customer_id, status, reason, channels, task)
        WHERE m.campaign_id = $1::uuid AND m.customer_id = u.customer_id`,
      [r.id, ids, statuses, reasons, channels, tasks],
    );
    await this.outbox.queue(c, source, messages);
    const next: Cursor = { ...cursor, done: cursor.done + rows.length };
    await ctx.progress({ done: next.done, total: next.total, cursor: next }, c);
    return next;
  }
}
