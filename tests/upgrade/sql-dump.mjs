// A plain-SQL dump of the schemas crm and crm_data, written from the catalog, for the upgrade
// suite. Why not pg_dump: the embedded PostgreSQL 17 ships no pg_dump and an older pg_dump refuses
// a newer server. The DDL comes from PostgreSQL's own deparsers (format_type, pg_get_expr,
// pg_get_constraintdef, pg_get_indexdef, pg_get_triggerdef, pg_get_functiondef); the rows travel
// as json_agg text and are loaded with json_populate_recordset, so no value passes through
// JavaScript (numeric stays exact). Partitioned tables come back as parents with their partitions.
// Anything this dumper does not know (views, types, policies, identity or generated columns,
// extensions) makes it refuse instead of dropping it.
import { randomBytes } from 'node:crypto';

const SCHEMAS = ['crm', 'crm_data'];
const ident = (s) => `"${s.replace(/"/g, '""')}"`;
const qname = (schema, name) => `${ident(schema)}.${ident(name)}`;

async function refuseUnknown(c) {
  const checks = {
    'views or materialized views': `SELECT count(*)::int n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1) AND c.relkind IN ('v','m','f')`,
    'types or domains': `SELECT count(*)::int n FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = ANY($1) AND t.typtype IN ('d','e','r','m') `,
    'row-level policies or rules': `SELECT (SELECT count(*) FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1)) + (SELECT count(*) FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1) AND c.relkind = 'r')::int AS n`,
    'identity or generated columns': `SELECT count(*)::int n FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1) AND a.attnum > 0 AND (a.attidentity <> '' OR a.attgenerated <> '')`,
    'extensions other than plpgsql': `SELECT count(*)::int n FROM pg_extension WHERE extname <> 'plpgsql' AND $1::text[] IS NOT NULL`,
    'aggregates or procedures': `SELECT count(*)::int n FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY($1) AND p.prokind <> 'f'`,
  };
  for (const [what, sql] of Object.entries(checks)) {
    const { rows } = await c.query(sql, [SCHEMAS]);
    if (Number(rows[0].n) > 0) throw new Error(`sql-dump does not handle ${what}; extend it before dumping this release`);
  }
}

/** The DDL of both schemas as ordered statement groups (before data / after data). */
export async function schemaDdl(c) {
  await refuseUnknown(c);
  const pre = SCHEMAS.map((s) => `CREATE SCHEMA ${ident(s)};`);
  const post = [];
  const seqs = await c.query(
    `SELECT n.nspname s, c.relname r, format_type(q.seqtypid, NULL) t, q.seqincrement inc, q.seqmin mn, q.seqmax mx, q.seqstart st, q.seqcache ca, q.seqcycle cy
       FROM pg_sequence q JOIN pg_class c ON c.oid = q.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) ORDER BY 1, 2`, [SCHEMAS]);
  for (const q of seqs.rows) {
    pre.push(`CREATE SEQUENCE ${qname(q.s, q.r)} AS ${q.t} INCREMENT ${q.inc} MINVALUE ${q.mn} MAXVALUE ${q.mx} START ${q.st} CACHE ${q.ca}${q.cy ? ' CYCLE' : ''};`);
  }
  const fns = await c.query(
    `SELECT pg_get_functiondef(p.oid) d FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY($1) ORDER BY n.nspname, p.proname, p.oid::regprocedure::text`, [SCHEMAS]);
  for (const f of fns.rows) pre.push(`${f.d.trim()};`);
  const tables = await tableList(c, true);
  for (const t of tables) {
    if (t.parent) {
      // A partition takes its columns, keys, indexes and row triggers from its parent (created before it).
      pre.push(`CREATE TABLE ${qname(t.s, t.r)} PARTITION OF ${t.parent} ${t.bound};`);
      const own = await c.query(`SELECT pg_get_triggerdef(oid) d FROM pg_trigger WHERE tgrelid = $1 AND NOT tgisinternal AND tgparentid = 0 ORDER BY tgname`, [t.oid]);
      for (const g of own.rows) post.push(`${g.d};`);
      continue;
    }
    const cols = await c.query(
      `SELECT a.attname n, format_type(a.atttypid, a.atttypmod) t, a.attnotnull nn, pg_get_expr(d.adbin, d.adrelid) def,
              CASE WHEN a.attcollation <> 0 AND a.attcollation <> ty.typcollation THEN (SELECT quote_ident(collname) FROM pg_collation WHERE oid = a.attcollation) END coll
         FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, [t.oid]);
    const body = cols.rows.map((col) => `  ${ident(col.n)} ${col.t}${col.coll ? ` COLLATE ${col.coll}` : ''}${col.def ? ` DEFAULT ${col.def}` : ''}${col.nn ? ' NOT NULL' : ''}`);
    pre.push(`CREATE TABLE ${qname(t.s, t.r)} (\n${body.join(',\n')}\n)${t.partkey ? ` PARTITION BY ${t.partkey}` : ''};`);
    const cons = await c.query(
      `SELECT conname n, contype k, pg_get_constraintdef(oid) d FROM pg_constraint WHERE conrelid = $1 ORDER BY contype = 'f', conname`, [t.oid]);
    for (const k of cons.rows) {
      (k.k === 'f' ? post : pre).push(`ALTER TABLE ${qname(t.s, t.r)} ADD CONSTRAINT ${ident(k.n)} ${k.d};`);
    }
    const idx = await c.query(
      `SELECT pg_get_indexdef(i.indexrelid) d FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid WHERE i.indrelid = $1
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p','u','x'))
        ORDER BY x.relname`, [t.oid]);
    for (const i of idx.rows) post.push(`${i.d.replace(' ON ONLY ', ' ON ')};`);
    const trg = await c.query(`SELECT pg_get_triggerdef(oid) d, tgenabled e FROM pg_trigger WHERE tgrelid = $1 AND NOT tgisinternal ORDER BY tgname`, [t.oid]);
    for (const g of trg.rows) {
      if (g.e !== 'O') throw new Error(`sql-dump does not handle disabled triggers (${t.s}.${t.r})`);
      post.push(`${g.d};`);
    }
  }
  const owned = await c.query(
    `SELECT ns.nspname ss, s.relname sr, nt.nspname ts, t.relname tr, a.attname col
       FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_namespace ns ON ns.oid = s.relnamespace
       JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace nt ON nt.oid = t.relnamespace
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
      WHERE d.deptype = 'a' AND ns.nspname = ANY($1) ORDER BY 1, 2`, [SCHEMAS]);
  for (const o of owned.rows) post.push(`ALTER SEQUENCE ${qname(o.ss, o.sr)} OWNED BY ${qname(o.ts, o.tr)}.${ident(o.col)};`);
  return { pre, post };
}

/** Tables with rows (partitions included); with `ddl`, partitioned parents too, parents before their partitions. */
async function tableList(c, ddl = false) {
  const { rows } = await c.query(
    `SELECT c.oid, n.nspname s, c.relname r,
            CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END partkey,
            CASE WHEN c.relispartition THEN (SELECT ih.inhparent::regclass::text FROM pg_inherits ih WHERE ih.inhrelid = c.oid) END parent,
            CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END bound
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) AND c.relkind = ANY($2) ORDER BY c.relispartition, 2, 3`, [SCHEMAS, ddl ? ['r', 'p'] : ['r']]);
  return rows;
}

/** Every row of every table, as INSERT … SELECT FROM json_populate_recordset statements. */
async function dataStatements(c, tag) {
  const out = [];
  for (const t of await tableList(c)) {
    const cols = await c.query(`SELECT attname FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, [t.oid]);
    const list = cols.rows.map((r) => ident(r.attname)).join(', ');
    const { rows } = await c.query(`SELECT json_agg(x)::text j, count(*)::int n FROM ${qname(t.s, t.r)} x`);
    if (!rows[0].n) continue;
    if (rows[0].j.includes(tag)) throw new Error('dollar-quote tag collides with the data; run again');
    out.push(`INSERT INTO ${qname(t.s, t.r)} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${qname(t.s, t.r)}, ${tag}${rows[0].j}${tag});`);
  }
  const seqs = await c.query(`SELECT schemaname s, sequencename r FROM pg_sequences WHERE schemaname = ANY($1) ORDER BY 1, 2`, [SCHEMAS]);
  for (const q of seqs.rows) {
    const { rows } = await c.query(`SELECT last_value::text v, is_called c FROM ${qname(q.s, q.r)}`);
    out.push(`SELECT setval('${qname(q.s, q.r).replace(/'/g, "''")}', ${rows[0].v}, ${rows[0].c});`);
  }
  return out;
}

/** The whole dump: one transaction that recreates both schemas with their rows on an empty database. */
export async function sqlDump(c, header) {
  const tag = `$d${randomBytes(6).toString('hex')}$`;
  const { pre, post } = await schemaDdl(c);
  const data = await dataStatements(c, tag);
  return [
    `-- ${header}`,
    '-- Plain SQL written by tests/upgrade/sql-dump.mjs; load it into an empty database (psql -f, or one simple query).',
    'BEGIN;',
    "SET client_encoding = 'UTF8';",
    'SET check_function_bodies = false;',
    ...pre, ...data, ...post,
    'COMMIT;',
    '',
  ].join('\n');
}

/** A fingerprint of every table's rows (md5 of the rows' text in a stable order), to compare two databases. */
export async function rowFingerprints(c) {
  const out = {};
  for (const t of await tableList(c)) {
    const { rows } = await c.query(`SELECT count(*)::int n, md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) h FROM ${qname(t.s, t.r)} x`);
    out[`${t.s}.${t.r}`] = `${rows[0].n}:${rows[0].h}`;
  }
  return out;
}
