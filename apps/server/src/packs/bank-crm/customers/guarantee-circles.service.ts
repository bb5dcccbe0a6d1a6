/**
 * Guarantee circles: cycles in the guarantor links between customers. Detection flags every member
 * with its circle's id (derived columns, written by the platform in bounded batches); the list shows
 * circles as far as the caller may see their members.
 */
import { MAX_PAGE_LIMIT, type GuaranteeCircle, type Items } from '@crm/shared';
import { Decimal } from 'decimal.js';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { Db } from '../../../database/db.js';
import { AuditService } from '../../../audit/audit.service.js';
import type { Principal } from '../../../auth/principal.js';
import { LOGGER } from '../../../logging/logger.token.js';
import { MetadataService } from '../../../metadata/metadata.service.js';
import { quoteIdent, tableOf } from '../../../metadata/field-types.js';
import { RecordsService } from '../../../records/records.service.js';
import { ScopedReader, systemRead } from '../../../records/scoped-reader.js';
import { cyclicComponents } from './graph.js';
import { circleId } from './rule-tags.js';
import { packConfig, packObject } from './bank-pack.js';

const BATCH = 2000;

/** A money value as read (a decimal string, or masked / empty): only a plain decimal counts. */
function amountOf(v: unknown): string | null {
  return typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? v : null;
}

/**
 * The grade the list shows: a circle of four or more customers, or guaranteeing 100 million yuan or
 * more between them, is high; three customers or 30 million, medium; else low.
 */
export function circleRisk(members: number, total: Decimal): 'high' | 'medium' | 'low' {
  if (members >= 4 || total.gte(100_000_000)) return 'high';
  if (members >= 3 || total.gte(30_000_000)) return 'medium';
  return 'low';
}
/** Guarantee edges read for circle detection, at most (a bank has far fewer guarantee links than this). */
const MAX_GUARANTEE_EDGES = 2_000_000;


/** Circle detection looks at every guarantee link: the flags it writes are derived columns, not shown to anyone. */
const GUARANTEE_READ = systemRead('guarantee circles: every guarantor link');
@Injectable()
export class GuaranteeCircles implements OnModuleDestroy {
  private circleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly records: RecordsService,
    private readonly reader: ScopedReader,
    private readonly audit: AuditService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleDestroy(): void {
    if (this.circleTimer) clearTimeout(this.circleTimer);
  }

  /**
   * Finds every guarantee circle (a cycle in the guarantor links) over all customers and flags each
   * member with the circle's id; customers no longer in one are cleared. Returns the circles found.
   */
  async detectCircles(): Promise<{ circles: number; customers: number }> {
    const cfg = packConfig();
    const r = cfg.relationship;
    const rel = await packObject(this.meta, r.object, [r.from, r.to, r.type]);
    const cust = await packObject(this.meta, cfg.customer, [cfg.circle.flag, cfg.circle.id]);
    const A = quoteIdent(r.from);
    const B = quoteIdent(r.to);
    const K = quoteIdent(r.type);
    const edges: [string, string][] = [];
    let after = '00000000-0000-0000-0000-000000000000';
    while (edges.length < MAX_GUARANTEE_EDGES) {
      const params: unknown[] = [r.guarantor, after, 50_000];
      const links = await this.reader.source(rel.key, GUARANTEE_READ, 'read', params);
      const rows = await this.db.query<{ id: string; a: string; b: string }>(
        `SELECT t.id::text AS id, t.${A}::text AS a, t.${B}::text AS b FROM ${links.sql}
         WHERE t.${K} = $1 AND t.id > $2::uuid ORDER BY t.id LIMIT $3`,
        params,
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

  /**
   * Circles with their members, as far as the caller may see them, the guarantees between those
   * members (read as the caller: links it may not see are left out), their total (a decimal string)
   * and a risk grade (see circleRisk).
   */
  async circles(p: Principal, limit = 100): Promise<Items<GuaranteeCircle>> {
    const cfg = packConfig();
    const r = cfg.relationship;
    const page = await this.records.query(cfg.customer, { filter: { [cfg.circle.flag]: true }, sort: cfg.circle.id, limit: 500 }, p);
    const by = new Map<string, GuaranteeCircle['members']>();
    for (const x of page.items) {
      const k = String(x[cfg.circle.id]);
      by.set(k, [...(by.get(k) ?? []), { id: x.id, name: x.name }]);
    }
    const circles = [...by.entries()].slice(0, limit);
    const ids = circles.flatMap(([, members]) => members.map((m) => m.id));
    const links = ids.length
      ? await this.records.query(r.object, { filter: { [r.type]: r.guarantor, [r.from]: { $in: ids }, [r.to]: { $in: ids } }, limit: MAX_PAGE_LIMIT }, p)
      : { items: [] };
    return {
      items: circles.map(([id, members]) => {
        const inCircle = new Set(members.map((m) => m.id));
        const edges = links.items
          .filter((l) => inCircle.has(String(l[r.from])) && inCircle.has(String(l[r.to])))
          .map((l) => ({ from: String(l[r.from]), to: String(l[r.to]), amount: amountOf(l[r.amount]) }));
        const total = edges.reduce((sum, e) => (e.amount === null ? sum : sum.plus(e.amount)), new Decimal(0));
        return { id, members, edges, totalAmount: total.toFixed(2), risk: circleRisk(members.length, total) };
      }),
    };
  }

  /** A relationship changed: detection runs shortly after, once for a burst of changes. */
  scheduleCircles(): void {
    if (this.circleTimer) return;
    this.circleTimer = setTimeout(() => {
      this.circleTimer = undefined;
      this.detectCircles().catch((err) => this.logger.warn({ err }, 'guarantee circle detection failed'));
    }, 500);
    this.circleTimer.unref();
  }

}
