/**
 * Reads the DDL of the platform's schemas (crm, crm_data) from PostgreSQL's own catalog functions
 * (pg_get_functiondef, pg_get_constraintdef, pg_get_indexdef, pg_get_triggerdef, format_type), so the
 * logical dump recreates exactly what is there: tables, defaults, sequences, constraints, indexes,
 * triggers and their functions, partitioned tables and their partitions. Objects it cannot recreate
 * faithfully (views, user types, identity columns) stop the backup with a clear message instead of being silently left out.
 */
import type { Queryable } from '../database/db.js';

export const DUMP_SCHEMAS = ['crm', 'crm_data'] as const;

export interface TableDdl {
  schema: string;
  name: string;
  /** `CREATE TABLE …` without constraints; columns, defaults and NOT NULL only. */
  create: string;
  /** Columns COPY reads and writes (generated columns are left to the database). */
  copyColumns: string[];
  /** A partitioned parent holds no rows itself: its partitions are dumped and restored as tables. */
  partitioned?: boolean;
}

export interface SequenceDdl {
  schema: string;
  name: string;
  create: string;
  lastValue: string | null;
  ownedBy: string | null;
}

export interface SchemaDdl {
  functions: string[];
  sequences: SequenceDdl[];
  tables: TableDdl[];
  /** Primary keys, unique, check and exclusion constraints, then foreign keys (order matters). */
  constraints: string[];
  indexes: string[];
  triggers: string[];
}

export const q = (ident: string): string => `"${ident.replace(/"/g, '""')}"`;
export const qualified = (schema: string, name: string): string => `${q(schema)}.${q(name)}`;

async function refuseUnsupported(db: Queryable): Promise<void> {
  const { rows } = await db.query<{ what: string }>(
    `SELECT format('%s %I.%I', CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'foreign table' END, n.nspname, c.relname) AS what
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) AND c.relkind IN ('v','m','f')
     UNION ALL
     SELECT format('identity column %I.%I.%I', n.nspname, c.relname, a.attname)
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) AND a.attidentity <> '' AND NOT a.attisdropped
     UNION ALL
     SELECT format('type %I.%I', n.nspname, t.typname)
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = ANY($1) AND t.typtype IN ('e','d','r','m') OR (n.nspname = ANY($1) AND t.typtype = 'c' AND t.typrelid IN (SELECT oid FROM pg_class WHERE relkind = 'c'))`,
    [DUMP_SCHEMAS],
  );
  if (rows.length) {
    throw new Error(`the logical backup cannot reproduce: ${rows.map((r) => r.what).join(', ')} — use PG_DUMP with a pg_dump of the server's major version`);
  }
}

async function tables(db: Queryable): Promise<TableDdl[]> {
  const { rows } = await db.query<{
    schema: string; name: string; partkey: string | null; parent: string | null; bound: string | null;
    cols: { name: string; type: string; notnull: boolean; def: string | null; generated: string; collation: string | null }[];
  }>(
    `SELECT n.nspname AS schema, c.relname AS name,
            CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
            CASE WHEN c.relispartition THEN (SELECT ih.inhparent::regclass::text FROM pg_inherits ih WHERE ih.inhrelid = c.oid) END AS parent,
            CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
            json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'notnull', a.attnotnull,
                     'def', pg_get_expr(d.adbin, d.adrelid), 'generated', a.attgenerated,
                     'collation', CASE WHEN a.attcollation <> t.typcollation THEN (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END)
                     ORDER BY a.attnum) AS cols
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
      WHERE n.nspname = ANY($1) AND c.relkind IN ('r','p')
      GROUP BY n.nspname, c.relname, c.oid
      ORDER BY c.relispartition, array_position($1::text[], n.nspname::text), c.oid`,
    [DUMP_SCHEMAS],
  );
  return rows.map((t) => {
    const cols = t.cols.map((c) => {
      let line = `${q(c.name)} ${c.type}`;
      if (c.collation) line += ` COLLATE ${c.collation}`;
      if (c.generated === 's') line += ` GENERATED ALWAYS AS (${c.def}) STORED`;
      else if (c.def !== null) line += ` DEFAULT ${c.def}`;
      if (c.notnull) line += ' NOT NULL';
      return line;
    });
    const copyColumns = t.cols.filter((c) => c.generated !== 's').map((c) => c.name);
    // A partition takes its columns from its parent (created first: partitions sort last).
    if (t.parent) return { schema: t.schema, name: t.name, create: `CREATE TABLE ${qualified(t.schema, t.name)} PARTITION OF ${t.parent} ${t.bound}`, copyColumns };
    const create = `CREATE TABLE ${qualified(t.schema, t.name)} (\n  ${cols.join(',\n  ')}\n)${t.partkey ? ` PARTITION BY ${t.partkey}` : ''}`;
    return { schema: t.schema, name: t.name, create, copyColumns, ...(t.partkey ? { partitioned: true } : {}) };
  });
}

async function sequences(db: Queryable): Promise<SequenceDdl[]> {
  const { rows } = await db.query<{ schema: string; name: string; data_type: string; start_value: string; min_value: string; max_value: string; increment_by: string; cycle: boolean; cache_size: string; last_value: string | null; owned_by: string | null }>(
    `SELECT s.schemaname AS schema, s.sequencename AS name, s.data_type::text, s.start_value::text, s.min_value::text, s.max_value::text,
            s.increment_by::text, s.cycle, s.cache_size::text, s.last_value::text,
            (SELECT format('%I.%I.%I', tn.nspname, tc.relname, ta.attname)
               FROM pg_depend dep
               JOIN pg_class tc ON tc.oid = dep.refobjid
               JOIN pg_namespace tn ON tn.oid = tc.relnamespace
               JOIN pg_attribute ta ON ta.attrelid = tc.oid AND ta.attnum = dep.refobjsubid
              WHERE dep.classid = 'pg_class'::regclass AND dep.objid = format('%I.%I', s.schemaname, s.sequencename)::regclass
                AND dep.refclassid = 'pg_class'::regclass AND dep.deptype = 'a') AS owned_by
       FROM pg_sequences s
      WHERE s.schemaname = ANY($1)
      ORDER BY s.schemaname, s.sequencename`,
    [DUMP_SCHEMAS],
  );
  return rows.map((s) => ({
    schema: s.schema,
    name: s.name,
    create:
      `CREATE SEQUENCE ${qualified(s.schema, s.name)} AS ${s.data_type} INCREMENT BY ${s.increment_by} MINVALUE ${s.min_value} ` +
      `MAXVALUE ${s.max_value} START WITH ${s.start_value} CACHE ${s.cache_size}${s.cycle ? ' CYCLE' : ' NO CYCLE'}`,
    lastValue: s.last_value,
    ownedBy: s.owned_by,
  }));
}

/** DDL of both schemas; run inside the dump's snapshot with search_path = pg_catalog so every name comes out qualified. */
export async function readSchemaDdl(db: Queryable): Promise<SchemaDdl> {
  await refuseUnsupported(db);
  const schemas = [DUMP_SCHEMAS];
  const functions = await db.query<{ def: string }>(
    `SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = ANY($1) AND p.prokind IN ('f','p') ORDER BY p.oid`,
    schemas,
  );
  const constraints = await db.query<{ def: string }>(
    `SELECT format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) AS def
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE n.nspname = ANY($1) AND c.conrelid <> 0 AND c.conparentid = 0 AND c.contype IN ('p','u','c','x','f')
      ORDER BY CASE c.contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'x' THEN 2 WHEN 'c' THEN 3 ELSE 4 END, c.oid`,
    schemas,
  );
  const indexes = await db.query<{ def: string }>(
    // An index on a partitioned table is created on its partitions too ("ON ONLY" would not); the
    // partitions' own copies of it are left out.
    `SELECT replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ') AS def
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p','u','x'))
        AND NOT EXISTS (SELECT 1 FROM pg_inherits ih WHERE ih.inhrelid = i.indexrelid)
      ORDER BY i.indexrelid`,
    schemas,
  );
  const triggers = await db.query<{ def: string; enabled: string; rel: string; name: string }>(
    `SELECT pg_get_triggerdef(t.oid) AS def, t.tgenabled AS enabled, t.tgrelid::regclass::text AS rel, t.tgname AS name
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1) AND NOT t.tgisinternal AND t.tgparentid = 0 ORDER BY t.oid`,
    schemas,
  );
  return {
    functions: functions.rows.map((r) => r.def),
    sequences: await sequences(db),
    tables: await tables(db),
    constraints: constraints.rows.map((r) => r.def),
    indexes: indexes.rows.map((r) => r.def),
    triggers: triggers.rows.flatMap((r) => (r.enabled === 'D' ? [r.def, `ALTER TABLE ${r.rel} DISABLE TRIGGER ${q(r.name)}`] : [r.def])),
  };
}
