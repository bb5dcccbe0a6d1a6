/**
 * Customer 360°, relationship network, guarantee circles, rule tags and segments over the bank-crm
 * pack's objects (segment writes and the checks of rule tags live in segment-definitions and
 * rule-tag-validation). Everything a caller sees goes through RecordsService (their actions, row scope,
 * field masks, audit of unmasked reads); the derived columns (rule tags, AUM, circle flags) are
 * written by the platform with identifiers from metadata and bound values, in bounded batches.
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import { toScaledDecimal, type FeelBudgetError } from '@crm/feel';
import { amountsToFeel, decimalToFeel, type FieldDef } from '@crm/form-engine';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { RequestContext } from '../common/request-context.js';
import { DomainEvents, type DomainEvent } from '../common/domain-events.js';
import { AuditService } from '../audit/audit.service.js';
import { AccessService } from '../access/access.service.js';
import type { Principal } from '../auth/principal.js';
import { LOGGER } from '../logging/logger.token.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { isEncrypted, quoteIdent, tableOf } from '../metadata/field-types.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import { RecordsService } from '../records/records.service.js';
import { decodeRow } from '../records/record-codec.js';
import { ProcessInstancesService } from '../workflow/process-instances.service.js';
import { TasksService } from '../workflow/tasks.service.js';
import { cyclicComponents } from './graph.js';
import { aggregates, circleId, compileRules, evaluateRuleTags, type RuleTag } from './rule-tags.js';
import { isInstalled, packConfig, packObject } from './bank-pack.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { assertRuleTagValid } from './rule-tag-validation.js';
import { SegmentDefinitions } from './segment-definitions.js';

export const MAX_DEPTH = 4;
export const MAX_NODES = 300;
const MAX_EDGES = 2000;
const BATCH = 2000;
/** Guarantee edges read for circle detection, at most (a bank has far fewer guarantee links than this). */
const MAX_GUARANTEE_EDGES = 2_000_000;
const AMOUNT_TYPES = new Set<FieldDef['type']>(['money', 'decimal', 'percent', 'integer']);

type Section = { items: Record<string, unknown>[]; restricted?: boolean; total?: number };

function num(v: unknown): number {
  const n = Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}

@Injectable()
export class CustomersService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private circleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly records: RecordsService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly instances: ProcessInstancesService,
    private readonly tasks: TasksService,
    private readonly segmentDefs: SegmentDefinitions,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.events.subscribe(
      (e, c) => this.onEvent(e, c),
      (e) => {
        const cfg = packConfig();
        return 'object' in e && [cfg.customer, cfg.holding.object, cfg.relationship.object, cfg.tags.object, cfg.segment.object].includes(e.object);
      },
    );
    // Segments saved in clear by an earlier version are hashed once the server is up.
    void (async () => {
      if (await isInstalled(this.meta)) await this.segmentDefs.protectStored();
    })().catch((err) => this.logger.warn({ err }, 'protecting stored segment filters failed'));
    const every = this.config.bankJobsMs;
    if (every > 0) {
      this.timer = setInterval(() => void this.periodic(), every);
      this.timer.unref();
    }
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.circleTimer) clearTimeout(this.circleTimer);
  }

  /** The periodic job: rule tags and guarantee circles (KYC reviews are scheduled by KycScheduler). */
  private async periodic(): Promise<void> {
    try {
      if (!(await isInstalled(this.meta))) return;
      const got = await this.db.one<{ ok: boolean }>('SELECT pg_try_advisory_lock(7240030) AS ok');
      if (!got?.ok) return;
      try {
        await this.recomputeTags();
        await this.detectCircles();
      } finally {
        await this.db.query('SELECT pg_advisory_unlock(7240030)');
      }
    } catch (err) {
      this.logger.warn({ err }, 'bank-crm periodic job failed');
    }
  }

  // ------------------------------------------------------------------ 360°

  private async section(object: string, filter: Record<string, unknown>, sort: string, limit: number, p: Principal): Promise<Section> {
    try {
      const acc = await this.access.forObject(p, object);
      if (!acc.can('read')) return { items: [], restricted: true };
      const r = await this.records.query(object, { filter, sort, limit, total: true }, p);
      return { items: r.items, total: r.total };
    } catch (err) {
      if (err instanceof AppError && (err.status === 403 || err.status === 400)) return { items: [], restricted: true };
      throw err;
    }
  }

  async view360(id: string, p: Principal): Promise<Record<string, unknown>> {
    const cfg = packConfig();
    await packObject(this.meta, cfg.customer);
    const customer = await this.customerOrFail(id, p);
    const h = cfg.holding;
    const holdings = await this.section(h.object, { [h.customer]: id }, `-${h.balance}`, 200, p);
    const byCategory: Record<string, number> = {};
    for (const x of holdings.items) {
      if (x[h.status] === 'closed') continue;
      const cat = String(x[h.category] ?? 'other');
      byCategory[cat] = (byCategory[cat] ?? 0) + num(x[h.balance]);
    }
    const assets = Object.entries(byCategory).filter(([k]) => k !== 'loan').reduce((s, [, v]) => s + v, 0);
    const interactions = await this.section(cfg.interaction.object, { [cfg.interaction.customer]: id }, `-${cfg.interaction.at}`, 50, p);
    const consents = await this.section(cfg.consent.object, { [cfg.consent.customer]: id }, '-created_at', 50, p);
    const linked: Record<string, Section> = {};
    for (const l of cfg.linked) linked[l.object] = await this.section(l.object, { [l.customer]: id }, '-created_at', 20, p);
    const network = await this.network(id, 1, p);

    // Processes about this customer (their business key is the customer or one of its linked records), as the caller may see them.
    const keys = [id, ...Object.values(linked).flatMap((s) => s.items.map((r) => String(r.id)))].slice(0, 41);
    const processes: Record<string, unknown>[] = [];
    for (const businessKey of keys) processes.push(...(await this.instances.list(p, { businessKey, limit: 20 })).items);
    const ids = new Set(processes.map((x) => String(x.id)));
    const inbox = await this.tasks.list(p, 'all', 500);
    const openTasks = inbox.items.filter((t) => ids.has(String(t.processInstanceId)));

    const tagDefs = await this.tagDefinitions();
    const tagInfo = (code: string, kind: string) => ({ code, kind, name: tagDefs.get(code)?.name ?? code, color: tagDefs.get(code)?.color ?? null });
    const manual = ((customer[cfg.tags.manualField] as string[] | null) ?? []).map((c) => tagInfo(c, 'manual'));
    const rule = ((customer[cfg.tags.ruleField] as string[] | null) ?? []).map((c) => tagInfo(c, 'rule'));

    const timeline = [
      ...interactions.items.map((x) => ({ at: x[cfg.interaction.at], kind: 'interaction', title: x.subject ?? x.kind, id: x.id, object: cfg.interaction.object })),
      ...Object.entries(linked).flatMap(([object, s]) => s.items.map((x) => ({ at: x.created_at, kind: object, title: x.complaint_no ?? x.application_no ?? object, status: x.status ?? null, id: x.id, object }))),
      ...consents.items.map((x) => ({ at: x.consented_at ?? x.created_at, kind: 'consent', title: x.purpose, id: x.id, object: cfg.consent.object })),
      ...processes.map((x) => ({ at: x.startedAt, kind: 'process', title: x.definitionKey, status: x.state, id: x.id })),
    ]
      .filter((e) => e.at)
      .sort((a, b) => String(b.at).localeCompare(String(a.at)))
      .slice(0, 100);

    const today = new Date().toISOString().slice(0, 10);
    const next = customer.kyc_next_review as string | null;
    return {
      customer,
      metrics: {
        aum: assets.toFixed(2),
        depositBalance: (byCategory.deposit ?? 0).toFixed(2),
        loanBalance: (byCategory.loan ?? 0).toFixed(2),
        wealthBalance: ((byCategory.wealth ?? 0) + (byCategory.fund ?? 0)).toFixed(2),
        holdings: holdings.total ?? holdings.items.length,
        openTasks: openTasks.length,
        runningProcesses: processes.filter((x) => x.state === 'active').length,
      },
      kyc: {
        status: customer.kyc_status ?? null,
        nextReview: next,
        overdue: !!next && next <= today,
        riskLevel: customer.risk_level ?? null,
        inGuaranteeCircle: customer[cfg.circle.flag] ?? null,
        guaranteeCircle: customer[cfg.circle.id] ?? null,
      },
      tags: [...manual, ...rule],
      holdings,
      relationships: { items: network.edges, nodes: network.nodes },
      interactions,
      consents,
      ...Object.fromEntries(Object.entries(linked).map(([k, v]) => [`${k}s`, v])),
      processes: { items: processes },
      tasks: { items: openTasks },
      timeline,
    };
  }

  private async customerOrFail(id: string, p: Principal): Promise<Record<string, unknown>> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError(404, 'customers.not_found');
    try {
      return await this.records.get(packConfig().customer, id, p);
    } catch (err) {
      if (err instanceof AppError && (err.status === 404 || err.status === 403)) throw new AppError(404, 'customers.not_found');
      throw err;
    }
  }

  // ------------------------------------------------------------------ relationship network

  /**
   * Customers reachable from `id` over relationships the caller may read, up to `depth` (≤ 4) hops
   * and MAX_NODES nodes, by one recursive query. Nodes the caller may not read are returned without
   * any field (`restricted: true`), so the shape of the network shows but not who is in it.
   */
  async network(id: string, depth: number, p: Principal): Promise<{ root: string; depth: number; nodes: Record<string, unknown>[]; edges: Record<string, unknown>[]; truncated: boolean }> {
    const cfg = packConfig();
    const r = cfg.relationship;
    const rel = await packObject(this.meta, r.object, [r.from, r.to, r.type]);
    const cust = await packObject(this.meta, cfg.customer);
    const root = await this.customerOrFail(id, p);
    const d = Math.max(1, Math.min(MAX_DEPTH, Math.trunc(depth) || 1));
    const acc = await this.access.forObject(p, rel.key);
    if (!acc.can('read')) return { root: id, depth: d, nodes: [this.node(root, cust.titleField, 0)], edges: [], truncated: false };
    const T = tableOf(rel.key);
    const A = quoteIdent(r.from);
    const B = quoteIdent(r.to);
    const params: unknown[] = [id, d];
    const scope = this.records.scopeSql(rel, acc, 'read', p, params);
    params.push(MAX_NODES + 1);
    const nodeRows = await this.db.query<{ node: string; depth: number }>(
      `WITH RECURSIVE walk(node, depth) AS (
         SELECT $1::uuid, 0
         UNION
         SELECT nxt.node, w.depth + 1 FROM walk w
         CROSS JOIN LATERAL (
           SELECT t.${B} AS node FROM ${T} t WHERE t.${A} = w.node AND t.deleted_at IS NULL AND ${scope}
           UNION
           SELECT t.${A} AS node FROM ${T} t WHERE t.${B} = w.node AND t.deleted_at IS NULL AND ${scope}
         ) nxt
         WHERE w.depth < $2::int
       )
       SELECT node::text AS node, min(depth)::int AS depth FROM walk GROUP BY node ORDER BY min(depth), node LIMIT $${params.length}`,
      params,
    );
    const truncated = nodeRows.length > MAX_NODES;
    const nodes = nodeRows.slice(0, MAX_NODES);
    const ids = nodes.map((n) => n.node);
    const eparams: unknown[] = [ids];
    const escope = this.records.scopeSql(rel, acc, 'read', p, eparams);
    eparams.push(MAX_EDGES);
    const edgeRows = await this.db.query(
      `SELECT t.* FROM ${T} t WHERE t.deleted_at IS NULL AND t.${A} = ANY($1::uuid[]) AND t.${B} = ANY($1::uuid[]) AND ${escope} ORDER BY t.created_at, t.id LIMIT $${eparams.length}`,
      eparams,
    );
    const edges = edgeRows.map((row) => {
      const rec = decodeRow(rel.fields.filter((f) => !isEncrypted(f)), row, this.records.crypto);
      const out: Record<string, unknown> = { id: rec.id, from: rec[r.from], to: rec[r.to], type: rec[r.type] };
      for (const f of rel.fields) if (![r.from, r.to, r.type].includes(f.key) && acc.fieldMode(f.key) !== 'none' && !isEncrypted(f)) out[f.key] = rec[f.key];
      return out;
    });
    // The customers themselves, as the caller may see them (masking and scope of the customer object).
    const visible = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < ids.length; i += 250) {
      const page = await this.records.query(cust.key, { filter: { id: { $in: ids.slice(i, i + 250) } }, limit: 250 }, p).catch((err) => {
        if (err instanceof AppError && err.status === 403) return { items: [] as Record<string, unknown>[] };
        throw err;
      });
      for (const x of page.items) visible.set(String(x.id), x);
    }
    return {
      root: id,
      depth: d,
      nodes: nodes.map((n) => {
        const rec = visible.get(n.node);
        return rec ? this.node(rec, cust.titleField, n.depth) : { id: n.node, depth: n.depth, restricted: true };
      }),
      edges,
      truncated,
    };
  }

  private node(rec: Record<string, unknown>, titleField: string | null, depth: number): Record<string, unknown> {
    const cfg = packConfig();
    return {
      id: rec.id,
      depth,
      name: titleField ? rec[titleField] : null,
      customerType: rec.customer_type ?? null,
      riskLevel: rec.risk_level ?? null,
      inGuaranteeCircle: rec[cfg.circle.flag] ?? null,
      guaranteeCircle: rec[cfg.circle.id] ?? null,
    };
  }

  // ------------------------------------------------------------------ guarantee circles

  /**
   * Finds every guarantee circle (a cycle in the guarantor links) over all customers and flags each
   * member with the circle's id; customers no longer in one are cleared. Returns the circles found.
   */
  async detectCircles(): Promise<{ circles: number; customers: number }> {
    const cfg = packConfig();
    const r = cfg.relationship;
    const rel = await packObject(this.meta, r.object, [r.from, r.to, r.type]);
    const cust = await packObject(this.meta, cfg.customer, [cfg.circle.flag, cfg.circle.id]);
    const T = tableOf(rel.key);
    const A = quoteIdent(r.from);
    const B = quoteIdent(r.to);
    const K = quoteIdent(r.type);
    const edges: [string, string][] = [];
    let after = '00000000-0000-0000-0000-000000000000';
    while (edges.length < MAX_GUARANTEE_EDGES) {
      const rows = await this.db.query<{ id: string; a: string; b: string }>(
        `SELECT t.id::text AS id, t.${A}::text AS a, t.${B}::text AS b FROM ${T} t
         WHERE t.deleted_at IS NULL AND t.${K} = $1 AND t.id > $2::uuid ORDER BY t.id LIMIT $3`,
        [r.guarantor, after, 50_000],
      );
      for (const x of rows) if (x.a && x.b) edges.push([x.a, x.b]);
      if (rows.length < 50_000) break;
      after = rows[rows.length - 1]!.id;
    }
    const comps = cyclicComponents(edges);
    const ids: string[] = [];
    const circle: string[] = [];
    for (const comp of comps) {
      const cid = circleId(comp);
      for (const m of comp) {
        ids.push(m);
        circle.push(cid);
      }
    }
    const C = tableOf(cust.key);
    const F = quoteIdent(cfg.circle.flag);
    const I = quoteIdent(cfg.circle.id);
    let changed = 0;
    await this.db.tx(async (c) => {
      for (let i = 0; i < ids.length; i += BATCH) {
        const res = await c.query(
          `UPDATE ${C} t SET ${F} = true, ${I} = v.c FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::text[]) AS c) v
           WHERE t.id = v.id AND (t.${F} IS DISTINCT FROM true OR t.${I} IS DISTINCT FROM v.c)`,
          [ids.slice(i, i + BATCH), circle.slice(i, i + BATCH)],
        );
        changed += res.rowCount ?? 0;
      }
      const cleared = await c.query(`UPDATE ${C} t SET ${F} = false, ${I} = NULL WHERE t.${F} = true AND NOT (t.id = ANY($1::uuid[]))`, [ids]);
      changed += cleared.rowCount ?? 0;
      if (changed) await this.audit.record({ action: 'customers.guarantee_circles', object: cust.key, actorId: null, data: { circles: comps.length, members: ids.length, changed } }, c);
    });
    return { circles: comps.length, customers: ids.length };
  }

  /** Circles with their members, as far as the caller may see them. */
  async circles(p: Principal, limit = 100): Promise<{ items: Record<string, unknown>[] }> {
    const cfg = packConfig();
    const page = await this.records.query(cfg.customer, { filter: { [cfg.circle.flag]: true }, sort: cfg.circle.id, limit: 500 }, p);
    const by = new Map<string, Record<string, unknown>[]>();
    for (const x of page.items) {
      const k = String(x[cfg.circle.id]);
      by.set(k, [...(by.get(k) ?? []), { id: x.id, name: x.name }]);
    }
    return { items: [...by.entries()].slice(0, limit).map(([id, members]) => ({ id, members })) };
  }

  private scheduleCircles(): void {
    if (this.circleTimer) return;
    this.circleTimer = setTimeout(() => {
      this.circleTimer = undefined;
      this.detectCircles().catch((err) => this.logger.warn({ err }, 'guarantee circle detection failed'));
    }, 500);
    this.circleTimer.unref();
  }

  // ------------------------------------------------------------------ tags

  private async tagDefinitions(): Promise<Map<string, { name: string; color: string | null; kind: string; rule: string | null }>> {
    const cfg = packConfig();
    const out = new Map<string, { name: string; color: string | null; kind: string; rule: string | null }>();
    const o = (await this.meta.current()).objects.get(cfg.tags.object);
    if (!o) return out;
    const page = await this.records.query(cfg.tags.object, { filter: { active: true }, limit: 500 }, null);
    for (const t of page.items) out.set(String(t.code), { name: String(t.name), color: (t.color as string) ?? null, kind: String(t.kind), rule: (t.rule as string) ?? null });
    return out;
  }

  private async ruleSet(): Promise<RuleTag[]> {
    const defs = [...(await this.tagDefinitions()).entries()].map(([code, t]) => ({ code, rule: t.rule, kind: t.kind }));
    return compileRules(defs, (code, err) => this.logger.warn({ tag: code, err: err.message }, 'rule tag does not compile; skipped'));
  }

  /**
   * Recomputes rule tags and AUM of the given customers (all when ids is undefined), in batches.
   * Each rule is FEEL over the customer's fields and holdings aggregates: aum, deposit_balance,
   * loan_balance, wealth_balance, insurance_balance, holding_count, and the list `holdings`.
   * A rule stopped by the FEEL budget fails a customer's own write (400); in a full run it is
   * recorded, keeps the tags it gave before, and is skipped for the rest of the run.
   */
  async recomputeTags(ids?: string[], client?: PoolClient): Promise<{ customers: number; changed: number; failed: { tag: string; reason: string }[] }> {
    const cfg = packConfig();
    const cust = await packObject(this.meta, cfg.customer, [cfg.tags.ruleField, cfg.aumField]);
    const h = cfg.holding;
    const hold = await packObject(this.meta, h.object, [h.customer, h.category, h.balance, h.status]);
    let rules = await this.ruleSet();
    const failed: { tag: string; reason: string }[] = [];
    const onBudget = (r: RuleTag, err: FeelBudgetError) => {
      if (ids) throw new AppError(400, 'customers.rule_budget', { code: r.code, reason: err.localized(RequestContext.current()?.lang ?? 'zh-CN') });
      failed.push({ tag: r.code, reason: err.message });
      rules = rules.filter((x) => x !== r);
      this.logger.warn({ tag: r.code, reason: err.message }, 'rule tag stopped by the FEEL budget; skipped for the rest of this run');
    };
    const wantsHoldings = rules.some((r) => r.feel.inputs.includes('holdings'));
    const plainFields = cust.fields.filter((f) => !isEncrypted(f));
    const C = tableOf(cust.key);
    const H = tableOf(hold.key);
    const q = client ?? this.db.pool;
    let after = '00000000-0000-0000-0000-000000000000';
    let seen = 0;
    let changed = 0;
    for (;;) {
      const { rows } = ids
        ? await q.query(`SELECT t.* FROM ${C} t WHERE t.id = ANY($1::uuid[]) AND t.deleted_at IS NULL`, [ids])
        : await q.query(`SELECT t.* FROM ${C} t WHERE t.deleted_at IS NULL AND t.id > $1::uuid ORDER BY t.id LIMIT $2`, [after, BATCH]);
      if (!rows.length) break;
      const batch = rows.map((r) => String(r.id));
      const agg = await q.query<{ c: string; cat: string; total: string; n: string }>(
        `SELECT t.${quoteIdent(h.customer)}::text AS c, t.${quoteIdent(h.category)} AS cat, sum(t.${quoteIdent(h.balance)})::text AS total, count(*)::text AS n
         FROM ${H} t WHERE t.${quoteIdent(h.customer)} = ANY($1::uuid[]) AND t.deleted_at IS NULL AND t.${quoteIdent(h.status)} IS DISTINCT FROM 'closed'
         GROUP BY 1, 2`,
        [batch],
      );
      // Balances stay decimal strings (numeric sums): rule-tags adds them as decimals.
      const sums = new Map<string, { totals: Record<string, string>; n: number }>();
      for (const a of agg.rows) {
        const m = sums.get(a.c) ?? { totals: {}, n: 0 };
        m.totals[a.cat] = a.total;
        m.n += Number(a.n);
        sums.set(a.c, m);
      }
      const lists = wantsHoldings ? await this.holdingLists(q, hold, batch) : undefined;
      const upIds: string[] = [];
      const upTags: string[] = [];
      const upAum: string[] = [];
      for (const row of rows) {
        const rec = decodeRow(plainFields, row, this.records.crypto);
        const m = sums.get(String(row.id)) ?? { totals: {}, n: 0 };
        const ag = aggregates(m.totals, m.n);
        const aum = ag.aum;
        const before = ((rec[cfg.tags.ruleField] as string[] | null) ?? []).slice().sort();
        const evaluated = evaluateRuleTags(rules, { ...amountsToFeel(plainFields, rec), ...ag, holdings: lists?.get(String(row.id)) ?? [] }, undefined, onBudget);
        // A rule that failed in this run keeps what it said before.
        const tags = [...new Set([...evaluated, ...before.filter((t) => failed.some((f) => f.tag === t))])].sort();
        if (before.join(',') !== tags.join(',') || toScaledDecimal(rec[cfg.aumField] ?? 0, 2) !== aum.toFixed(2)) {
          upIds.push(String(row.id));
          upTags.push(JSON.stringify(tags));
          upAum.push(aum.toFixed(2));
        }
      }
      if (upIds.length) {
        // Derived columns: written by the platform without a version bump, so a user's edit in flight never turns stale because of them.
        const res = await q.query(
          `UPDATE ${C} t SET ${quoteIdent(cfg.tags.ruleField)} = ARRAY(SELECT jsonb_array_elements_text(v.tags::jsonb)), ${quoteIdent(cfg.aumField)} = v.aum::numeric
           FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::text[]) AS tags, unnest($3::text[]) AS aum) v WHERE t.id = v.id`,
          [upIds, upTags, upAum],
        );
        changed += res.rowCount ?? 0;
      }
      seen += rows.length;
      if (ids || rows.length < BATCH) break;
      after = String(rows[rows.length - 1]!.id);
    }
    if (!ids && (changed || failed.length)) await this.audit.record({ action: 'customers.rule_tags', object: cust.key, actorId: null, data: { customers: seen, changed, failed } });
    return { customers: seen, changed, failed };
  }

  /** Open holdings of a batch of customers, per customer, as rules see them (plain fields; amounts as numbers like the aggregates). */
  private async holdingLists(q: Pick<PoolClient, 'query'>, hold: ObjectMeta, customers: string[]): Promise<Map<string, Record<string, unknown>[]>> {
    const h = packConfig().holding;
    const plain = hold.fields.filter((f) => !isEncrypted(f));
    const { rows } = await q.query(
      `SELECT t.* FROM ${tableOf(hold.key)} t WHERE t.${quoteIdent(h.customer)} = ANY($1::uuid[]) AND t.deleted_at IS NULL
         AND t.${quoteIdent(h.status)} IS DISTINCT FROM 'closed' ORDER BY t.id`,
      [customers],
    );
    const out = new Map<string, Record<string, unknown>[]>();
    for (const row of rows) {
      const rec = decodeRow(plain, row, this.records.crypto);
      const item: Record<string, unknown> = {};
      for (const f of plain) item[f.key] = AMOUNT_TYPES.has(f.type) && typeof rec[f.key] === 'string' ? decimalToFeel(rec[f.key] as string) : rec[f.key];
      const key = String(rec[h.customer]);
      const list = out.get(key);
      if (list) list.push(item);
      else out.set(key, [item]);
    }
    return out;
  }

  /** Domain events: a customer or holding change recomputes that customer's rule tags in the writer's transaction. */
  private async onEvent(e: DomainEvent, c: PoolClient): Promise<void> {
    if (e.type !== 'record.created' && e.type !== 'record.updated' && e.type !== 'record.deleted') return;
    const cfg = packConfig();
    if (e.type !== 'record.deleted' && (e.object === cfg.tags.object || e.object === cfg.segment.object)) {
      await this.checkDefinition(e);
    } else if (e.object === cfg.customer && e.type !== 'record.deleted') {
      if (e.type === 'record.updated' && e.changed.every((f) => f === cfg.tags.ruleField || f === cfg.aumField)) return;
      await this.recomputeTags([e.recordId], c);
    } else if (e.object === cfg.holding.object && e.type !== 'record.deleted') {
      const ids = [e.record[cfg.holding.customer], e.type === 'record.updated' ? e.previous[cfg.holding.customer] : null].filter((x): x is string => typeof x === 'string');
      if (ids.length) await this.recomputeTags([...new Set(ids)], c);
    } else if (e.object === cfg.relationship.object) {
      this.scheduleCircles();
    }
  }

  /**
   * Rule tags and segments are checked when written by any path; a bad one rolls the write back (400).
   * Only what the write changes is checked, so an old definition can still be renamed or switched off.
   */
  private async checkDefinition(e: Extract<DomainEvent, { type: 'record.created' | 'record.updated' }>): Promise<void> {
    const cfg = packConfig();
    const record = e.record;
    const touches = (...keys: string[]) => e.type === 'record.created' || keys.some((k) => e.changed.includes(k));
    if (e.object === cfg.segment.object) {
      if (touches('filter', 'target_object')) await this.segmentDefs.assertStorable(record);
      return;
    }
    if (!touches('rule', 'kind', 'active') || record.active === false) return;
    if (record.kind !== 'rule' || typeof record.rule !== 'string' || !record.rule.trim()) return;
    const objects = (await this.meta.current()).objects;
    assertRuleTagValid(String(record.code), record.rule, objects.get(cfg.customer)?.fields ?? [], objects.get(cfg.holding.object)?.fields ?? []);
  }

  // ------------------------------------------------------------------ segments

  async segments(p: Principal): Promise<{ items: Record<string, unknown>[] }> {
    const cfg = packConfig();
    const page = await this.records.query(cfg.segment.object, { sort: 'code', limit: 200 }, p);
    const items: Record<string, unknown>[] = [];
    for (const s of page.items) items.push({ ...(await this.segmentDefs.forReader(s, p)), ...(await this.count(s, p)) });
    return { items };
  }

  private async segment(code: string, p: Principal): Promise<Record<string, unknown>> {
    const cfg = packConfig();
    const page = await this.records.query(cfg.segment.object, { filter: { code }, limit: 1 }, p);
    const s = page.items[0];
    if (!s) throw new AppError(404, 'customers.segment_not_found', { code });
    return s;
  }

  private async count(s: Record<string, unknown>, p: Principal): Promise<{ count: number | null; error?: string }> {
    try {
      const r = await this.records.query(String(s.target_object ?? packConfig().customer), { filter: s.filter, limit: 1, total: true }, p);
      return { count: r.total ?? 0 };
    } catch (err) {
      if (err instanceof AppError) return { count: null, error: err.code };
      throw err;
    }
  }

  async segmentWithCount(code: string, p: Principal): Promise<Record<string, unknown>> {
    const s = await this.segment(code, p);
    return { ...(await this.segmentDefs.forReader(s, p)), ...(await this.count(s, p)) };
  }

  async members(code: string, p: Principal, q: { limit: number; cursor?: string }): Promise<Record<string, unknown>> {
    const s = await this.segment(code, p);
    return this.records.query(String(s.target_object ?? packConfig().customer), { filter: s.filter, limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}), total: true }, p);
  }

  /** Starts a process once per member of a segment (a campaign or review run), up to `max`, as the caller. */
  async startForSegment(code: string, p: Principal, processKey: string, max: number): Promise<{ started: number; instances: string[] }> {
    const s = await this.segment(code, p);
    const object = String(s.target_object ?? packConfig().customer);
    const instances: string[] = [];
    let cursor: string | undefined;
    while (instances.length < max) {
      const page = await this.records.query(object, { filter: s.filter, limit: Math.min(200, max - instances.length), ...(cursor ? { cursor } : {}) }, p);
      for (const m of page.items) {
        const inst = await this.instances.start(p, processKey, { variables: { customer: m.id, customerId: m.id, segment: code }, businessKey: String(m.id) });
        instances.push(String(inst.id));
      }
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return { started: instances.length, instances };
  }
}
