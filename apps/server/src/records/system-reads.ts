/**
 * The platform's own, unscoped reads of record tables — part of the scoped reader (scoped-reader.ts
 * re-exports them), kept in a file with no service imports so that metadata (which the reader
 * depends on) and the demo-data loader (which runs without the server) can use them. Every call
 * names its reason with `systemRead(reason)`.
 */
import type { Queryable } from '../database/db.js';
import type { Principal } from '../auth/principal.js';
import { quoteIdent, tableOf } from '../metadata/field-types.js';

/** A read by the platform itself, unscoped: the reason says which work needs every row. */
export interface SystemRead {
  readonly system: string;
}

export function systemRead(reason: string): SystemRead {
  return { system: reason };
}

export function isSystemRead(who: Principal | SystemRead): who is SystemRead {
  return typeof (who as SystemRead).system === 'string';
}

/**
 * Live rows of one object, unscoped, as plain columns — for platform code that runs without the
 * server's services (the demo-data loader). Only named, unencrypted columns; identifiers from the caller's
 * constants are quoted, values never interpolated.
 */
export async function systemLiveRows<T extends Record<string, unknown>>(q: Queryable, _why: SystemRead, objectKey: string, columns: string[], limit?: number): Promise<T[]> {
  const cols = columns.map((c) => `t.${quoteIdent(c)} AS ${quoteIdent(c)}`).join(', ');
  const bound = limit ? ` ORDER BY t.id LIMIT ${Math.max(1, Math.floor(limit))}` : '';
  const { rows } = await q.query<T>(`SELECT ${cols} FROM ${tableOf(objectKey)} t WHERE t.deleted_at IS NULL${bound}`);
  return rows;
}

/**
 * Whether an object's table holds any row at all, deleted ones included: metadata asks before it
 * drops a table or retypes a column (soft-deleted rows are data too). Takes the caller's connection,
 * since metadata's own transaction is the one that must see it.
 */
export async function hasAnyRow(q: Queryable, _why: SystemRead, objectKey: string): Promise<boolean> {
  const { rows } = await q.query(`SELECT 1 AS one FROM ${tableOf(objectKey)} LIMIT 1`);
  return rows.length > 0;
}

/** How many rows an object's table holds, deleted ones included (a table that is not empty keeps its data). */
export async function systemRowCount(q: Queryable, _why: SystemRead, objectKey: string): Promise<number> {
  const { rows } = await q.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${tableOf(objectKey)}`);
  return Number(rows[0]?.n ?? 0);
}

/**
 * Live records whose `column` equals `value` (at most two: enough to tell one from several), whoever
 * may see them — an import's upsert asks so that a key held by a record outside the importer's scope
 * is refused by the scoped update instead of duplicated by an insert. `column` and `cast` come from
 * the object's metadata (a field's column or its keyed search-hash column), never from the input.
 */
export async function systemRecordsByKey(q: Queryable, _why: SystemRead, objectKey: string, column: string, cast: string, value: unknown): Promise<{ id: string; version: number }[]> {
  const { rows } = await q.query<{ id: string; version: number }>(
    `SELECT id::text AS id, version FROM ${tableOf(objectKey)} WHERE ${quoteIdent(column)} = $1::${cast} AND deleted_at IS NULL ORDER BY id LIMIT 2`,
    [value],
  );
  return rows;
}

/**
 * How many distinct owners (`ownerColumn`, e.g. a holding's customer) hold each pair of item values
 * (`itemColumn`, e.g. the product category), over every live row — counts only, never a row: the
 * next-best-action's co-occurrence propensity learns "who holds A also holds B" from the whole bank.
 * Rows with `excludeColumn` = `excludeValue` (e.g. closed holdings) do not count. Columns come from
 * pack metadata, never from input.
 */
export async function systemPairCounts(
  q: Queryable, _why: SystemRead, objectKey: string, ownerColumn: string, itemColumn: string, exclude?: { column: string; value: string },
): Promise<{ a: string; b: string; n: number }[]> {
  const t = tableOf(objectKey);
  const where = `deleted_at IS NULL AND ${quoteIdent(itemColumn)} IS NOT NULL${exclude ? ` AND ${quoteIdent(exclude.column)} IS DISTINCT FROM $1` : ''}`;
  const { rows } = await q.query<{ a: string; b: string; n: string }>(
    `WITH held AS (SELECT DISTINCT ${quoteIdent(ownerColumn)} AS owner, ${quoteIdent(itemColumn)}::text AS item FROM ${t} WHERE ${where})
     SELECT x.item AS a, y.item AS b, count(*)::text AS n FROM held x JOIN held y ON y.owner = x.owner GROUP BY 1, 2`,
    exclude ? [exclude.value] : [],
  );
  return rows.map((r) => ({ a: r.a, b: r.b, n: Number(r.n) }));
}

/**
 * Live rows of one object that refer to any of `ids` through one of `columns` (relation columns from
 * the object's metadata, or `id` itself), raw, oldest first, at most `limit` — the privacy service's
 * walk from a data subject to every record about them (PIPL access, copy and deletion).
 */
export async function systemRowsReferring(q: Queryable, _why: SystemRead, objectKey: string, columns: string[], ids: string[], limit: number): Promise<Record<string, unknown>[]> {
  if (!columns.length || !ids.length) return [];
  const where = columns.map((c) => `t.${quoteIdent(c)} = ANY($1::uuid[])`).join(' OR ');
  const { rows } = await q.query(`SELECT * FROM ${tableOf(objectKey)} t WHERE t.deleted_at IS NULL AND (${where}) ORDER BY t.created_at, t.id LIMIT $2`, [ids, limit]);
  return rows;
}

/** Live rows by id, every column (the deferred change events of a computed value; records decode them). */
export async function systemRowsByIds(q: Queryable, _why: SystemRead, objectKey: string, ids: string[]): Promise<Record<string, unknown>[]> {
  if (!ids.length) return [];
  const { rows } = await q.query(`SELECT * FROM ${tableOf(objectKey)} t WHERE t.id = ANY($1::uuid[]) AND t.deleted_at IS NULL`, [ids]);
  return rows;
}

/** One aggregate over records related to the row (an insight model's feature): every identifier from metadata. */
export interface RelatedAggregate {
  /** The related object, and its relation column pointing at the row. */
  object: string;
  via: string;
  agg: 'count' | 'sum' | 'avg' | 'min' | 'max';
  /** The aggregated column (not for count). */
  column?: string;
  /** Equality conditions: column = any of the values, bound with the column's cast. */
  where?: { column: string; cast: string; values: unknown[] }[];
  /** Only related rows whose `column` lies within `days` days before `asOf`. */
  within?: { column: string; days: number };
}

/**
 * A page of an insight model's feature rows (keyset on id), unscoped: model training and scoring run as
 * the platform over every live row (`why` names it; the job audits the training). Returns the id, the
 * version, the raw named columns and one value per aggregate (`__a0`, `__a1`, …). Set-based per page:
 * the page's rows first (a materialized CTE), then one GROUP BY per related object and relation over the
 * page's ids, each aggregate of that object one `FILTER (WHERE …)` column of it — e.g. the bank pack's
 * eight aggregates are four index scans for the whole page, where a correlated subquery per row and
 * aggregate made 8,000 per 1,000 rows (and a date window could pick the related table's date index for
 * every one of them). `ids` restricts to given rows (an explanation).
 */
export async function systemFeatureRows(
  q: Queryable, _why: SystemRead, objectKey: string, columns: string[], aggregates: RelatedAggregate[],
  page: { afterId?: string | null; ids?: string[]; limit: number; asOf: Date },
): Promise<Record<string, unknown>[]> {
  const params: unknown[] = [page.asOf.toISOString()];
  const bind = (v: unknown, cast: string) => { params.push(v); return `$${params.length}::${cast}`; };
  const where = ['t.deleted_at IS NULL'];
  if (page.ids) where.push(`t.id = ANY(${bind(page.ids, 'uuid[]')})`);
  if (page.afterId) where.push(`t.id > ${bind(page.afterId, 'uuid')}`);
  const limit = bind(Math.max(1, Math.min(10_000, page.limit)), 'int');
  const cols = ['t.id', 't.version', ...columns.map((c) => `t.${quoteIdent(c)}`)];
  // one group per related object and relation column; its aggregates as FILTER columns
  const groups = new Map<string, { object: string; via: string; values: string[] }>();
  aggregates.forEach((a, i) => {
    const conds: string[] = [];
    for (const w of a.where ?? []) conds.push(`r.${quoteIdent(w.column)} = ANY(${bind(w.values, `${w.cast}[]`)})`);
    if (a.within) conds.push(`r.${quoteIdent(a.within.column)} >= ($1::timestamptz - make_interval(days => ${bind(a.within.days, 'int')}))`, `r.${quoteIdent(a.within.column)} <= $1::timestamptz`);
    const value = a.agg === 'count' ? 'count(*)' : `${a.agg}(r.${quoteIdent(a.column!)})`;
    const key = `${a.object}\u0000${a.via}`;
    const g = groups.get(key) ?? { object: a.object, via: a.via, values: [] };
    g.values.push(`${value}${conds.length ? ` FILTER (WHERE ${conds.join(' AND ')})` : ''} AS "__a${i}"`); // a constant alias: no field key starts with an underscore
    groups.set(key, g);
  });
  const ctes = [...groups.values()].map((g, k) =>
    `g${k} AS (SELECT r.${quoteIdent(g.via)} AS k, ${g.values.join(', ')} FROM ${tableOf(g.object)} r
      WHERE r.${quoteIdent(g.via)} = ANY(ARRAY(SELECT id FROM page)) AND r.deleted_at IS NULL GROUP BY r.${quoteIdent(g.via)})`);
  const out = ['p.id::text AS id', 'p.version AS version', ...columns.map((c) => `p.${quoteIdent(c)} AS ${quoteIdent(c)}`), ...aggregates.map((_, i) => `"__a${i}"`)];
  const { rows } = await q.query<Record<string, unknown>>(
    `WITH page AS MATERIALIZED (SELECT ${cols.join(', ')} FROM ${tableOf(objectKey)} t WHERE ${where.join(' AND ')} ORDER BY t.id LIMIT ${limit})${ctes.map((c) => `, ${c}`).join('')}
     SELECT ${out.join(', ')} FROM page p ${ctes.map((_, k) => `LEFT JOIN g${k} ON g${k}.k = p.id`).join(' ')} ORDER BY p.id`,
    params,
  );
  return rows;
}

/** Where a consent ledger keeps what the contact gates need (column names are field keys from metadata). */
export interface ConsentLedger {
  object: string;
  customer: string;
  purpose: string;
  purposeValue: string;
  withdrawn: string;
  consentedAt: string;
}

/**
 * The marketing consent state of each customer at `now`, in one statement for the whole batch:
 * `valid` (a live consent for the purpose, given by `now` and not withdrawn), `withdrawn` (none valid,
 * and one was withdrawn), absent (none at all, or only ones given after `now`). The contact gates ask it for every
 * customer they may contact, whoever launched the contact — consent does not depend on the caller.
 */
export async function systemConsentStates(q: Queryable, _why: SystemRead, l: ConsentLedger, customerIds: string[], now: Date): Promise<Map<string, 'valid' | 'withdrawn'>> {
  const out = new Map<string, 'valid' | 'withdrawn'>();
  if (!customerIds.length) return out;
  const c = (k: string) => `t.${quoteIdent(k)}`;
  const { rows } = await q.query<{ id: string; valid: boolean; withdrawn: boolean }>(
    `SELECT ${c(l.customer)}::text AS id, bool_or(${c(l.withdrawn)} IS NOT TRUE AND (${c(l.consentedAt)} IS NULL OR ${c(l.consentedAt)} <= $3::timestamptz)) AS valid,
            bool_or(${c(l.withdrawn)} IS TRUE) AS withdrawn
       FROM ${tableOf(l.object)} t
      WHERE ${c(l.customer)} = ANY($1::uuid[]) AND ${c(l.purpose)} = $2 AND t.deleted_at IS NULL
      GROUP BY ${c(l.customer)}`,
    [customerIds, l.purposeValue, now],
  );
  for (const r of rows) if (r.valid || r.withdrawn) out.set(r.id, r.valid ? 'valid' : 'withdrawn');
  return out;
}
