/**
 * Reading a sql-pull connector's source: another PostgreSQL (a core-banking replica), reached only at
 * a `host:port` in CRM_CONNECTOR_SQL_HOSTS and never the platform's own database. The designer's
 * query runs as a subquery — so it can only be a SELECT (a data-modifying WITH must be top level,
 * and the extended protocol takes one statement) — inside a READ ONLY transaction with a statement
 * timeout, ordered by (watermark, key) after the last (watermark, key) seen and bounded by the batch
 * size, so ties on the watermark are never skipped. Errors are reported without the connection string.
 */
import pg from 'pg';
import { BpmnError } from '../workflow/service-tasks.js';

export interface SourceSpec {
  connectionString: string;
  query: string;
  keyColumn: string;
  watermarkColumn: string;
  columns: string[];
  statementTimeoutMs: number;
}

export interface SourceRow {
  key: string;
  watermark: string;
  values: Record<string, unknown>;
}

const WATERMARK_TYPES = new Set(['timestamp with time zone', 'timestamp without time zone', 'date', 'bigint', 'integer', 'smallint', 'numeric', 'text', 'character varying']);
// Dates and timestamps without a zone as PostgreSQL writes them (no local-time guessing in JS).
const TEXT_TYPES = [1082, 1114];

/** host:port of a connection string, lower case (null: it does not parse). */
export function hostPortOf(connectionString: string): { hostPort: string; database: string } | null {
  try {
    const c = new pg.Client({ connectionString });
    const host = String(c.host ?? '').toLowerCase();
    if (!host || host.startsWith('/')) return null;
    return { hostPort: `${host.includes(':') ? `[${host}]` : host}:${c.port}`, database: String(c.database ?? '') };
  } catch {
    return null;
  }
}

/** A pg error's message without anything of the connection string (user, password, host). */
export function sanitize(err: unknown, connectionString: string): string {
  let msg = err instanceof Error ? err.message : String(err);
  const parts = new Set<string>([connectionString]);
  try {
    const u = new URL(connectionString);
    for (const p of [u.password, decodeURIComponent(u.password), u.username]) if (p && p.length >= 3) parts.add(p);
  } catch {
    /* not a URL */
  }
  for (const p of parts) msg = msg.split(p).join('***');
  return msg.slice(0, 500);
}

async function withSource<T>(spec: Pick<SourceSpec, 'connectionString' | 'statementTimeoutMs'>, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({
    connectionString: spec.connectionString,
    connectionTimeoutMillis: 10_000,
    application_name: 'crm-sql-pull',
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (TEXT_TYPES.includes(oid) ? (v: string) => v : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  });
  c.on('error', () => undefined);
  try {
    await c.connect();
  } catch (err) {
    throw new BpmnError('SQL_PULL_CONNECT', `cannot connect to the source: ${sanitize(err, spec.connectionString)}`);
  }
  try {
    await c.query('BEGIN READ ONLY');
    await c.query(`SET LOCAL statement_timeout = ${Math.floor(spec.statementTimeoutMs)}`);
    await c.query(`SET LOCAL lock_timeout = ${Math.floor(spec.statementTimeoutMs)}`);
    await c.query("SET LOCAL TimeZone = 'UTC'");
    const { rows } = await c.query<{ own: boolean }>("SELECT to_regclass('crm.connectors') IS NOT NULL AS own");
    if (rows[0]?.own) throw new BpmnError('SQL_PULL_OWN_DATABASE', 'a sql-pull source must not be the platform\'s own database');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    if (err instanceof BpmnError) throw err;
    throw new BpmnError('SQL_PULL_QUERY', `the source query failed: ${sanitize(err, spec.connectionString)}`);
  } finally {
    await c.end().catch(() => undefined);
  }
}

const wrapped = (spec: SourceSpec) => `(${spec.query.replace(/;\s*$/, '')}) AS q`;

/** The column names and the watermark's type of the query, read without fetching a row. */
async function describe(c: pg.Client, spec: SourceSpec): Promise<{ columns: string[]; watermarkType: string }> {
  const res = await c.query(`SELECT q.* FROM ${wrapped(spec)} LIMIT 0`);
  const columns = res.fields.map((f) => f.name);
  for (const need of [spec.keyColumn, spec.watermarkColumn, ...spec.columns]) {
    if (!columns.includes(need)) throw new BpmnError('SQL_PULL_NO_COLUMN', `the query has no column "${need.slice(0, 63)}"`);
  }
  const oid = res.fields.find((f) => f.name === spec.watermarkColumn)!.dataTypeID;
  const { rows } = await c.query<{ t: string }>('SELECT format_type($1::oid, NULL) AS t', [oid]);
  const watermarkType = rows[0]?.t ?? '';
  if (!WATERMARK_TYPES.has(watermarkType)) throw new BpmnError('SQL_PULL_WATERMARK_TYPE', `the watermark column's type ${watermarkType} cannot order an incremental pull`);
  return { columns, watermarkType };
}

/** The next rows after (watermark, key), at most `limit`, in (watermark, key) order. */
export function readBatch(spec: SourceSpec, after: { watermark: string; key: string } | null, limit: number): Promise<SourceRow[]> {
  return withSource(spec, async (c) => {
    const { watermarkType } = await describe(c, spec);
    const wm = c.escapeIdentifier(spec.watermarkColumn);
    const key = c.escapeIdentifier(spec.keyColumn);
    const cols = spec.columns.map((col) => `q.${c.escapeIdentifier(col)}`).join(', ');
    const params: unknown[] = [limit];
    const where = after ? `WHERE q.${wm} IS NOT NULL AND (q.${wm}, q.${key}::text COLLATE "C") > ($2::${watermarkType}, $3::text COLLATE "C")` : `WHERE q.${wm} IS NOT NULL`;
    if (after) params.push(after.watermark, after.key);
    const { rows } = await c.query<Record<string, unknown>>(
      `SELECT ${cols}, q.${wm}::text AS "__crm_wm", q.${key}::text AS "__crm_key" FROM ${wrapped(spec)} ${where}
       ORDER BY q.${wm}, q.${key}::text COLLATE "C" LIMIT $1`,
      params,
    );
    return rows.map((r) => {
      const { __crm_wm, __crm_key, ...values } = r;
      return { key: String(__crm_key), watermark: String(__crm_wm), values };
    });
  });
}

/** Test connection: connects, checks it is not our own database, and describes the query. */
export function probe(spec: SourceSpec): Promise<{ columns: string[]; watermarkType: string }> {
  return withSource(spec, (c) => describe(c, spec));
}
