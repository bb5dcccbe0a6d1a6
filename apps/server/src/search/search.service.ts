/**
 * Global search (the Ctrl+K palette): records of every object the caller may read — by the object's
 * title field and its auto-numbers (a customer number), or by a full Chinese ID number or mobile
 * number matched through the keyed search hash of the encrypted field — and the caller's open tasks.
 * Every record read goes through the scoped reader as an ordinary filtered query: the caller's row
 * scope applies, masked fields stay masked, and a field the caller may not read in clear (masked, or
 * sensitive without the unmask right) is not searched at all, so an identifier search by someone who
 * may not see identifiers finds nothing. Bounded: at most `limit` (≤ 20) hits per group, a bounded
 * number of objects, one statement timeout for the whole search.
 */
import type { SearchHit, SearchResult, Unserialized } from '@crm/shared';
import { Injectable } from '@nestjs/common';
import type { FieldDef } from '@crm/form-engine';
import { AccessService } from '../access/access.service.js';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import { Db } from '../database/db.js';
import { MetadataService } from '../metadata/metadata.service.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import { ScopedReader } from '../records/scoped-reader.js';
import { TasksService } from '../workflow/tasks.service.js';

/** The whole search (every object and the tasks) must answer within this. */
const STATEMENT_TIMEOUT_MS = 3000;
/** Objects searched at most (the first ones of the metadata, in their order). */
const MAX_OBJECTS = 40;
/** Open tasks looked through for a match of their name or record title. */
const TASK_WINDOW = 200;

const ID_NUMBER = /^\d{17}[\dX]$/;
const MOBILE = /^1\d{10}$/;

type Identifier = { type: 'cn_id_number' | 'phone'; value: string };

/** A full ID number (18 characters, check letter in capitals) or a mainland mobile number (without +86), if q is one. */
export function identifierOf(q: string): Identifier | null {
  const compact = q.replace(/[\s-]/g, '').toUpperCase();
  if (ID_NUMBER.test(compact)) return { type: 'cn_id_number', value: compact };
  const digits = compact.replace(/^\+/, '').replace(/^(0086|86)(?=1\d{10}$)/, '');
  return MOBILE.test(digits) ? { type: 'phone', value: digits } : null;
}

const shown = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

@Injectable()
export class SearchService {
  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly access: AccessService,
    private readonly reader: ScopedReader,
    private readonly audit: AuditService,
    private readonly tasks: TasksService,
  ) {}

  async search(p: Principal, q: string, limit: number): Promise<Unserialized<SearchResult>> {
    const id = identifierOf(q);
    return this.db.tx(async (c) => {
      await c.query(`SELECT set_config('statement_timeout', $1, true)`, [String(STATEMENT_TIMEOUT_MS)]);
      const groups: SearchResult['groups'] = [];
      let identifierHits = 0;
      const objects = [...(await this.meta.current()).objects.values()].slice(0, MAX_OBJECTS);
      for (const o of objects) {
        const found = await this.searchObject(p, o, q, id, limit);
        if (!found.length) continue;
        identifierHits += found.filter((h) => h.match === 'identifier').length;
        groups.push({ object: o.key, label: o.label, items: found });
      }
      // Exact matches (a number, an identifier) first: the customer the caller typed the number of.
      const rank = (g: SearchResult['groups'][number]) => (g.items.some((h) => h.match !== 'title') ? 0 : 1);
      groups.sort((a, b) => rank(a) - rank(b));
      // Looking someone up by their ID or mobile number is logged, without the number.
      if (id) await this.audit.record({ action: 'search.identifier', data: { by: id.type, matches: identifierHits } });
      return { groups, tasks: await this.searchTasks(p, q, limit) };
    });
  }

  /** One object's hits: its title field (contains), auto-numbers (contains), identifiers (exact, by hash). */
  private async searchObject(p: Principal, o: ObjectMeta, q: string, id: Identifier | null, limit: number): Promise<SearchHit[]> {
    const acc = await this.access.forObject(p, o.key);
    if (!acc.can('read')) return [];
    // Only what the caller may filter on: fields they read in clear (the reader's own rule).
    const cols = this.reader.columns(o, acc);
    const usable = (f: FieldDef | undefined): f is FieldDef => !!f && cols.has(f.key);
    const title = o.titleField ? o.byKey.get(o.titleField) : undefined;
    const numbers = o.fields.filter((f) => f.type === 'auto_number' && usable(f));
    const identifiers = id ? o.fields.filter((f) => f.type === id.type && usable(f)) : [];
    const clauses: { match: SearchHit['match']; filter: Record<string, unknown> }[] = [];
    if (usable(title) && cols.get(title.key)!.comparable === 'text' && title.type !== 'auto_number') clauses.push({ match: 'title', filter: { [title.key]: { $contains: q } } });
    for (const f of numbers) clauses.push({ match: 'number', filter: { [f.key]: { $contains: q } } });
    for (const f of identifiers) clauses.push({ match: 'identifier', filter: { [f.key]: { $eq: id!.value } } });
    if (!clauses.length) return [];
    const fields = [...new Set([title?.key, ...numbers.map((f) => f.key)].filter((k): k is string => !!k))];
    const hits = new Map<string, SearchHit>();
    // Exact matches first, then numbers, then titles: each clause fills what the earlier left.
    for (const clause of [...clauses].reverse()) {
      if (hits.size >= limit) break;
      const page = await this.reader.query(o.key, { filter: clause.filter, limit, fields, sort: title && cols.has(title.key) ? title.key : undefined }, p);
      for (const r of page.items) {
        const rid = String(r.id);
        if (hits.has(rid) || hits.size >= limit) continue;
        const number = numbers.map((f) => shown(r[f.key])).find((v) => v !== null) ?? null;
        const t = title ? shown(r[title.key]) : null;
        hits.set(rid, { id: rid, title: t ?? number, subtitle: number !== t ? number : null, match: clause.match });
      }
    }
    return [...hits.values()];
  }

  /** The caller's open tasks (assigned or claimable) whose name or record title contains q. */
  private async searchTasks(p: Principal, q: string, limit: number): Promise<SearchResult['tasks']> {
    const needle = q.toLowerCase();
    // Assigned and claimable ones (not every task a process administrator may see).
    const [mine, claimable] = await Promise.all([this.tasks.list(p, 'mine', TASK_WINDOW), this.tasks.list(p, 'candidate', TASK_WINDOW)]);
    const text = (v: string | Date | null | undefined) => (v instanceof Date ? v.toISOString() : (v ?? null));
    return [...mine.items, ...claimable.items]
      .map((t) => ({ id: String(t.id), name: text(t.name), dueAt: text(t.dueAt), contextTitle: text(t.context?.title) }))
      .filter((t) => (t.name ?? '').toLowerCase().includes(needle) || (t.contextTitle ?? '').toLowerCase().includes(needle))
      .slice(0, limit);
  }
}
