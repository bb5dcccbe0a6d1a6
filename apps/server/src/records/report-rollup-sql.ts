/**
 * The DDL of a report rollup (see migration 0045): `crm.report_rollup_<n>` holds, per org unit × owner
 * of an object's live rows, their count `n` and, per numeric field, the sum of its values and the count
 * of its non-empty ones (`<field>__n`, so a sum over only empty values stays empty). Statement-level
 * triggers with transition tables keep it exact after every write, whoever writes (API, processes,
 * imports, bulk SQL): the rows a statement added count +1, the rows it removed or changed away −1, soft
 * deletes included; a group whose figures do not change is not touched (no row lock for an update that
 * moves nothing). Kept apart because the initial fill reads every live row of the object — inside the
 * database, into the rollup; the report engine reads the rollup only through the scoped reader.
 */
import type pg from 'pg';
import { isEncrypted, quoteIdent, tableOf } from '../metadata/field-types.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';

/** Field types a rollup sums. */
export const ROLLUP_SUMMED_TYPES = new Set(['integer', 'decimal', 'money', 'percent']);
/** The columns a rollup row is per: its rows share their values. */
export const ROLLUP_GRAIN: readonly string[] = ['org_unit_id', 'owner_id'];
const GRAIN = ROLLUP_GRAIN;

/** The numeric fields of an object a rollup sums (plain columns whose `__n` twin still fits a name). */
export function rollupFields(o: ObjectMeta): string[] {
  return o.fields.filter((f) => ROLLUP_SUMMED_TYPES.has(f.type) && !isEncrypted(f) && f.key.length <= 60).map((f) => f.key);
}

/** Creates an object's rollup, filled from its live rows, with its triggers, in the caller's transaction (which must hold a lock that keeps writers out while it fills). */
export async function createRollup(c: pg.PoolClient, o: ObjectMeta, fields: string[]): Promise<number> {
  const { rows } = await c.query<{ id: number }>(`INSERT INTO crm.report_rollups (object_key, fields) VALUES ($1, $2) RETURNING id`, [o.key, fields]);
  const id = rows[0]!.id;
  const table = `crm.${quoteIdent(`report_rollup_${id}`)}`;
  const fn = `crm.${quoteIdent(`report_rollup_apply_${id}`)}`;
  const f = fields.map(quoteIdent);
  const fn_ = fields.map((k) => quoteIdent(`${k}__n`));
  await c.query(
    `CREATE TABLE ${table} (org_unit_id uuid, owner_id uuid, n bigint NOT NULL${fields.map((_, i) => `, ${f[i]} numeric, ${fn_[i]} bigint NOT NULL`).join('')})`,
  );
  await c.query(`CREATE UNIQUE INDEX ${quoteIdent(`report_rollup_${id}_grain`)} ON ${table} (org_unit_id, owner_id) NULLS NOT DISTINCT`);
  await c.query(`CREATE INDEX ${quoteIdent(`report_rollup_${id}_owner`)} ON ${table} (owner_id)`);
  const sums = (src: string) => fields.map((_, i) => `, sum(${src}.${f[i]}), count(${src}.${f[i]})`).join('');
  await c.query(
    `INSERT INTO ${table} (${GRAIN.join(', ')}, n${fields.map((_, i) => `, ${f[i]}, ${fn_[i]}`).join('')})
     SELECT r.org_unit_id, r.owner_id, count(*)${sums('r')} FROM ${tableOf(o.key)} r WHERE r.deleted_at IS NULL GROUP BY 1, 2`,
  );
  // A signed delta per changed row (s = +1 added, −1 removed), summed per group; nothing for a group that does not change.
  const delta = (rowsOf: string) =>
    rowsOf
      .split(',')
      .map((part) => {
        const [name, s] = part.split(':') as [string, string];
        return `SELECT org_unit_id, owner_id, ${s}::bigint AS s${fields.map((_, i) => `, ${s} * ${f[i]} AS ${f[i]}, CASE WHEN ${f[i]} IS NULL THEN 0 ELSE ${s} END AS ${fn_[i]}`).join('')} FROM ${name} WHERE deleted_at IS NULL`;
      })
      .join(' UNION ALL ');
  const apply = (rowsOf: string) => `
      INSERT INTO ${table} AS r (${GRAIN.join(', ')}, n${fields.map((_, i) => `, ${f[i]}, ${fn_[i]}`).join('')})
      SELECT d.org_unit_id, d.owner_id, sum(d.s)${fields.map((_, i) => `, sum(d.${f[i]}), sum(d.${fn_[i]})`).join('')}
        FROM (${delta(rowsOf)}) d GROUP BY 1, 2
        HAVING sum(d.s) <> 0${fields.map((_, i) => ` OR sum(d.${fn_[i]}) <> 0 OR coalesce(sum(d.${f[i]}), 0) <> 0`).join('')}
        ORDER BY 1, 2
      ON CONFLICT (org_unit_id, owner_id) DO UPDATE SET n = r.n + excluded.n${fields
        .map((_, i) => `, ${f[i]} = CASE WHEN r.${f[i]} IS NULL THEN excluded.${f[i]} WHEN excluded.${f[i]} IS NULL THEN r.${f[i]} ELSE r.${f[i]} + excluded.${f[i]} END, ${fn_[i]} = r.${fn_[i]} + excluded.${fn_[i]}`)
        .join('')};`;
  await c.query(`
    CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP = 'INSERT' THEN ${apply('new_rows:1')}
      ELSIF TG_OP = 'DELETE' THEN ${apply('old_rows:-1')}
      ELSIF TG_OP = 'UPDATE' THEN ${apply('new_rows:1,old_rows:-1')}
      ELSE DELETE FROM ${table};
      END IF;
      RETURN NULL;
    END $fn$`);
  const on = tableOf(o.key);
  const trg = (what: string) => quoteIdent(`report_rollup_${what}`);
  await c.query(`CREATE TRIGGER ${trg('ins')} AFTER INSERT ON ${on} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
  await c.query(`CREATE TRIGGER ${trg('upd')} AFTER UPDATE ON ${on} REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
  await c.query(`CREATE TRIGGER ${trg('del')} AFTER DELETE ON ${on} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
  await c.query(`CREATE TRIGGER ${trg('trunc')} AFTER TRUNCATE ON ${on} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`);
  await c.query(`ANALYZE ${table}`);
  return id;
}

/** Runs one statement and answers its rows (a pool client's or the Db's `query`, said alike). */
export type RowsQuery = (text: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/** Whether an object's rollup is in place: its registry row and its triggers on the current table (a table made again lost them). */
export async function rollupInPlace(query: RowsQuery, objectKey: string): Promise<{ id: number; fields: string[] } | null> {
  const rows = await query(
    `SELECT r.id, r.fields, (SELECT count(*)::int FROM pg_trigger g WHERE g.tgrelid = to_regclass($2) AND g.tgname LIKE 'report\\_rollup\\_%') AS triggers
       FROM crm.report_rollups r WHERE r.object_key = $1`,
    [objectKey, tableOf(objectKey)],
  );
  const r = rows[0] as { id: number; fields: string[]; triggers: number } | undefined;
  return r && r.triggers === 4 ? { id: r.id, fields: r.fields } : null;
}
