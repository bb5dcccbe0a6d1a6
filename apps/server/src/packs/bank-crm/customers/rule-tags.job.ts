/**
 * The bank pack's rule tags job: FEEL rules over each customer's fields and holdings aggregates give
 * its rule tags and AUM (derived columns written by the platform in bounded batches). It runs for one
 * customer in the writer's transaction when a customer or holding changes, and over every customer
 * periodically (with guarantee-circle detection), one runner at a time across server processes.
 * Writes of tag and segment definitions are checked here, by any path.
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { FeelBudgetError } from '@crm/feel';
import { amountsToFeel, decimalToFeel, type FieldDef } from '@crm/form-engine';
import { Db } from '../../../database/db.js';
import { AppError } from '../../../common/app-error.js';
import { RequestContext } from '../../../common/request-context.js';
import { DomainEvents, type DomainEvent } from '../../../common/domain-events.js';
import { AuditService } from '../../../audit/audit.service.js';
import { LOGGER } from '../../../logging/logger.token.js';
import { MetadataService } from '../../../metadata/metadata.service.js';
import { isEncrypted, quoteIdent, tableOf } from '../../../metadata/field-types.js';
import type { ObjectMeta } from '../../../metadata/metadata.types.js';
import { RecordsService } from '../../../records/records.service.js';
import { ScopedReader, systemRead } from '../../../records/scoped-reader.js';
import { decodeRow } from '../../../records/record-codec.js';
import { aggregates, compileRules, evaluateRuleTags, type RuleTag } from './rule-tags.js';
import { isInstalled, packConfig, packObject } from './bank-pack.js';
import { assertRuleTagValid } from './rule-tag-validation.js';
import { SegmentDefinitions } from './segment-definitions.js';
import { tagDefinitions } from './customer-reads.js';
import { GuaranteeCircles } from './guarantee-circles.service.js';
import { whileHoldingJobLock } from '../job-lock.js';
import { APP_CONFIG, type AppConfig } from '../../../config/config.js';

const BATCH = 2000;
const AMOUNT_TYPES = new Set<FieldDef['type']>(['money', 'decimal', 'percent', 'integer']);
/** Holding categories that count as the customer's assets under management (as `aggregates` counts them). */
const AUM_CATEGORIES = ['deposit', 'wealth', 'fund', 'insurance'];


/** The rule-tag job reads every customer and open holding: the tags and AUM it writes are derived columns. */
const RULE_TAGS_READ = systemRead('rule tags: customers and their open holdings');

@Injectable()
export class RuleTagsJob implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly records: RecordsService,
    private readonly reader: ScopedReader,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly segmentDefs: SegmentDefinitions,
    private readonly circles: GuaranteeCircles,
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
      (events, c) => this.onEvents(events, c),
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
  }

  /** The periodic job: rule tags and guarantee circles (KYC reviews are scheduled by KycScheduler), one runner at a time. */
  private async periodic(): Promise<void> {
    try {
      if (!(await isInstalled(this.meta))) return;
      await whileHoldingJobLock(this.db, 'bank.jobs', async () => {
        await this.recomputeTags();
        await this.circles.detectCircles();
      });
    } catch (err) {
      this.logger.warn({ err }, 'bank-crm periodic job failed');
    }
  }

  private async ruleSet(): Promise<RuleTag[]> {
    const defs = [...(await tagDefinitions(this.meta, this.records)).entries()].map(([code, t]) => ({ code, rule: t.rule, kind: t.kind }));
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
    // Platform reads through the reader (live rows; the tags and AUM it writes are derived columns).
    const customers = (params: unknown[]) => this.reader.source(cust.key, RULE_TAGS_READ, 'read', params);
    const holdings = (params: unknown[]) => this.reader.source(hold.key, RULE_TAGS_READ, 'read', params);
    const q = client ?? this.db.pool;
    let after = '00000000-0000-0000-0000-000000000000';
    let seen = 0;
    let changed = 0;
    for (;;) {
      const cparams: unknown[] = ids ? [ids] : [after, BATCH];
      const cs = await customers(cparams);
      const { rows } = ids
        ? await q.query(`SELECT t.* FROM ${cs.sql} WHERE t.id = ANY($1::uuid[])`, cparams)
        : await q.query(`SELECT t.* FROM ${cs.sql} WHERE t.id > $1::uuid ORDER BY t.id LIMIT $2`, cparams);
      if (!rows.length) break;
      const batch = rows.map((r) => String(r.id));
      // Totals stay SQL numeric: per category, and the AUM (the asset categories) per customer, as decimal text.
      const hparams: unknown[] = [batch, AUM_CATEGORIES];
      const hs = await holdings(hparams);
      const agg = await q.query<{ c: string; cat: string; total: string; n: string; aum: string | null }>(
        `SELECT t.${quoteIdent(h.customer)}::text AS c, t.${quoteIdent(h.category)} AS cat, sum(t.${quoteIdent(h.balance)})::text AS total, count(*)::text AS n,
                (sum(sum(t.${quoteIdent(h.balance)})) FILTER (WHERE t.${quoteIdent(h.category)} = ANY($2::text[])) OVER (PARTITION BY t.${quoteIdent(h.customer)}::text))::text AS aum
         FROM ${hs.sql} WHERE t.${quoteIdent(h.customer)} = ANY($1::uuid[]) AND t.${quoteIdent(h.status)} IS DISTINCT FROM 'closed'
         GROUP BY 1, 2`,
        hparams,
      );
      const sums = new Map<string, { byCategory: Record<string, string>; count: number; aum: string }>();
      for (const a of agg.rows) {
        const m = sums.get(a.c) ?? { byCategory: {}, count: 0, aum: a.aum ?? '0' };
        if (a.total !== null) m.byCategory[a.cat] = a.total;
        m.count += Number(a.n);
        sums.set(a.c, m);
      }
      const lists = wantsHoldings ? await this.holdingLists(q, hold, batch) : undefined;
      const upIds: string[] = [];
      const upTags: string[] = [];
      const upAum: string[] = [];
      const upTagsChanged: boolean[] = [];
      for (const row of rows) {
        const rec = decodeRow(plainFields, row, this.records.crypto);
        const m = sums.get(String(row.id));
        const ag = aggregates(m?.byCategory ?? {}, m?.count ?? 0);
        const before = ((rec[cfg.tags.ruleField] as string[] | null) ?? []).slice().sort();
        // The customer's own amounts and the holdings enter FEEL as decimals, never as floats.
        const evaluated = evaluateRuleTags(rules, { ...amountsToFeel(plainFields, rec), ...ag, holdings: lists?.get(String(row.id)) ?? [] }, undefined, onBudget);
        // A rule that failed in this run keeps what it said before.
        const tags = [...new Set([...evaluated, ...before.filter((t) => failed.some((f) => f.tag === t))])].sort();
        upIds.push(String(row.id));
        upTags.push(JSON.stringify(tags));
        upAum.push(m?.aum ?? '0');
        upTagsChanged.push(before.join(',') !== tags.join(','));
      }
      // Derived columns: written by the platform without a version bump, so a user's edit in flight never
      // turns stale because of them; only rows whose tags or AUM (compared as numeric) differ are written.
      const res = await q.query(
        `UPDATE ${tableOf(cust.key)} t SET ${quoteIdent(cfg.tags.ruleField)} = ARRAY(SELECT jsonb_array_elements_text(v.tags::jsonb)), ${quoteIdent(cfg.aumField)} = round(v.aum::numeric, 2)
         FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::text[]) AS tags, unnest($3::text[]) AS aum, unnest($4::boolean[]) AS changed) v
         WHERE t.id = v.id AND (v.changed OR t.${quoteIdent(cfg.aumField)} IS DISTINCT FROM round(v.aum::numeric, 2))`,
        [upIds, upTags, upAum, upTagsChanged],
      );
      changed += res.rowCount ?? 0;
      seen += rows.length;
      if (ids || rows.length < BATCH) break;
      after = String(rows[rows.length - 1]!.id);
    }
    if (!ids && (changed || failed.length)) await this.audit.record({ action: 'customers.rule_tags', object: cust.key, actorId: null, data: { customers: seen, changed, failed } });
    return { customers: seen, changed, failed };
  }

  /** Open holdings of a batch of customers, per customer, as rules see them (plain fields; amounts as FEEL decimals like the aggregates). */

  private async holdingLists(q: Pick<PoolClient, 'query'>, hold: ObjectMeta, customers: string[]): Promise<Map<string, Record<string, unknown>[]>> {
    const h = packConfig().holding;
    const plain = hold.fields.filter((f) => !isEncrypted(f));
    const params: unknown[] = [customers];
    const hs = await this.reader.source(hold.key, RULE_TAGS_READ, 'read', params);
    const { rows } = await q.query(
      `SELECT t.* FROM ${hs.sql} WHERE t.${quoteIdent(h.customer)} = ANY($1::uuid[]) AND t.${quoteIdent(h.status)} IS DISTINCT FROM 'closed' ORDER BY t.id`,
      params,
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

  /** The events of a bulk write (a model's scores): the customers' tags in one recompute, the rest one by one. */
  private async onEvents(events: DomainEvent[], c: PoolClient): Promise<void> {
    const cfg = packConfig();
    const customers = new Set<string>();
    for (const e of events) {
      if (e.type === 'record.updated' && e.object === cfg.customer) {
        if (!e.changed.every((f) => f === cfg.tags.ruleField || f === cfg.aumField)) customers.add(e.recordId);
      } else await this.onEvent(e, c);
    }
    if (customers.size) await this.recomputeTags([...customers], c);
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
      this.circles.scheduleCircles();
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

}
