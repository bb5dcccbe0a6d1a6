/**
 * The customer 360° view of the bank pack: the customer, holdings and their totals, interactions,
 * consents, linked records, the nearest relationships, processes and open tasks, tags and a
 * timeline — each section as the caller may see it (a section the caller may not read is
 * `restricted`). Totals are summed in SQL numeric from the decimal strings the caller sees.
 */
import type { Customer360, Customer360Section, Customer360Tag, Customer360TimelineEntry, ProcessInstanceSummary, Unserialized } from '@crm/shared';
import { Injectable } from '@nestjs/common';
import { Db } from '../../../database/db.js';
import { AppError } from '../../../common/app-error.js';
import { AccessService } from '../../../access/access.service.js';
import type { Principal } from '../../../auth/principal.js';
import { MetadataService } from '../../../metadata/metadata.service.js';
import { RecordsService } from '../../../records/records.service.js';
import { ProcessInstancesService } from '../../../workflow/process-instances.service.js';
import { TasksService } from '../../../workflow/tasks.service.js';
import { packConfig, packObject } from './bank-pack.js';
import { customerOrFail, tagDefinitions } from './customer-reads.js';
import { NetworkService } from './network.service.js';

type Section = Customer360Section;

/** Balances as decimal text with two places: assets (every category but loans), deposits, loans, wealth (wealth and funds). */
export interface HoldingTotals { aum: string; deposit: string; loan: string; wealth: string }

@Injectable()
export class Customer360Service {
  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly records: RecordsService,
    private readonly access: AccessService,
    private readonly instances: ProcessInstancesService,
    private readonly tasks: TasksService,
    private readonly networks: NetworkService,
  ) {}

  private async section(object: string, filter: Record<string, unknown>, sort: string, limit: number, p: Principal): Promise<Section> {
    try {
      const acc = await this.access.forObject(p, object);
      if (!acc.can('read')) return { items: [], restricted: true as const };
      // With the titles of what the rows point at (product, customer…), as the caller may see them.
      const r = await this.records.query(object, { filter, sort, limit, total: true, display: true }, p);
      return { items: r.items, total: r.total };
    } catch (err) {
      if (err instanceof AppError && (err.status === 403 || err.status === 400)) return { items: [], restricted: true as const };
      throw err;
    }
  }

  async view360(id: string, p: Principal): Promise<Unserialized<Customer360>> {
    const cfg = packConfig();
    await packObject(this.meta, cfg.customer);
    const customer = await customerOrFail(this.records, id, p);
    const h = cfg.holding;
    const holdings = await this.section(h.object, { [h.customer]: id }, `-${h.balance}`, 200, p);
    const totals = await this.holdingTotals(holdings.items.filter((x) => x[h.status] !== 'closed').map((x) => [String(x[h.category] ?? 'other'), x[h.balance]]));
    const interactions = await this.section(cfg.interaction.object, { [cfg.interaction.customer]: id }, `-${cfg.interaction.at}`, 50, p);
    const consents = await this.section(cfg.consent.object, { [cfg.consent.customer]: id }, '-created_at', 50, p);
    const linked: Record<string, Section> = {};
    for (const l of cfg.linked) linked[l.object] = await this.section(l.object, { [l.customer]: id }, '-created_at', 20, p);
    const network = await this.networks.network(id, 1, p);

    // Processes about this customer (their business key is the customer or one of its linked records), as the caller may see them.
    const keys = [id, ...Object.values(linked).flatMap((s) => s.items.map((r) => String(r.id)))].slice(0, 41);
    const processes: Unserialized<ProcessInstanceSummary>[] = [];
    for (const businessKey of keys) processes.push(...(await this.instances.list(p, { businessKey, limit: 20 })).items);
    const ids = new Set(processes.map((x) => String(x.id)));
    const inbox = await this.tasks.list(p, 'all', 500);
    const openTasks = inbox.items.filter((t) => ids.has(String(t.processInstanceId)));

    const tagDefs = await tagDefinitions(this.meta, this.records);
    const tagInfo = (code: string, kind: Customer360Tag['kind']): Customer360Tag => ({ code, kind, name: tagDefs.get(code)?.name ?? code, color: tagDefs.get(code)?.color ?? null });
    const manual = ((customer[cfg.tags.manualField] as string[] | null) ?? []).map((c) => tagInfo(c, 'manual'));
    const rule = ((customer[cfg.tags.ruleField] as string[] | null) ?? []).map((c) => tagInfo(c, 'rule'));

    // Values come from the presented records: dates and texts as the caller may see them.
    const timeline: Customer360TimelineEntry[] = [
      ...interactions.items.map((x) => ({ at: x[cfg.interaction.at] as string, kind: 'interaction', title: x.subject ?? x.kind, id: x.id, object: cfg.interaction.object })),
      ...Object.entries(linked).flatMap(([object, s]) => s.items.map((x) => ({ at: x.created_at as string, kind: object, title: x.complaint_no ?? x.application_no ?? object, status: x.status ?? null, id: x.id, object }))),
      ...consents.items.map((x) => ({ at: (x.consented_at ?? x.created_at) as string, kind: 'consent', title: x.purpose, id: x.id, object: cfg.consent.object })),
      ...processes.map((x) => ({ at: String(x.startedAt instanceof Date ? x.startedAt.toISOString() : x.startedAt), kind: 'process', title: x.definitionKey, status: x.state, id: String(x.id) })),
    ]
      .filter((e) => e.at)
      .sort((a, b) => String(b.at).localeCompare(String(a.at)))
      .slice(0, 100);

    const today = new Date().toISOString().slice(0, 10);
    const next = customer.kyc_next_review as string | null;
    return {
      customer,
      metrics: {
        aum: totals.aum,
        depositBalance: totals.deposit,
        loanBalance: totals.loan,
        wealthBalance: totals.wealth,
        holdings: holdings.total ?? holdings.items.length,
        openTasks: openTasks.length,
        runningProcesses: processes.filter((x) => x.state === 'active').length,
      },
      kyc: {
        status: (customer.kyc_status ?? null) as string | null,
        nextReview: next,
        overdue: !!next && next <= today,
        riskLevel: (customer.risk_level ?? null) as string | null,
        inGuaranteeCircle: (customer[cfg.circle.flag] ?? null) as boolean | null,
        guaranteeCircle: (customer[cfg.circle.id] ?? null) as string | null,
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

  /** Sums [category, balance] pairs in SQL numeric; a balance the caller sees masked (not a decimal) counts as nothing. */
  private async holdingTotals(pairs: [string, unknown][]): Promise<HoldingTotals> {
    const valid = pairs.filter((x): x is [string, string] => typeof x[1] === 'string' && /^-?\d+(\.\d+)?$/.test(x[1]));
    const row = await this.db.one<HoldingTotals>(
      `SELECT round(coalesce(sum(b) FILTER (WHERE c <> 'loan'), 0), 2)::text AS aum,
              round(coalesce(sum(b) FILTER (WHERE c = 'deposit'), 0), 2)::text AS deposit,
              round(coalesce(sum(b) FILTER (WHERE c = 'loan'), 0), 2)::text AS loan,
              round(coalesce(sum(b) FILTER (WHERE c IN ('wealth', 'fund')), 0), 2)::text AS wealth
       FROM unnest($1::text[], $2::numeric[]) AS v(c, b)`,
      [valid.map((x) => x[0]), valid.map((x) => x[1])],
    );
    return row!;
  }
}
