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
export async function systemLiveRows<T extends Record<string, unknown>>(q: Queryable, _why: SystemRead, objectKey: string, columns: string[]): Promise<T[]> {
  const cols = columns.map((c) => `t.${quoteIdent(c)} AS ${quoteIdent(c)}`).join(', ');
  const { rows } = await q.query<T>(`SELECT ${cols} FROM ${tableOf(objectKey)} t WHERE t.deleted_at IS NULL`);
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
