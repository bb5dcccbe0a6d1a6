/**
 * Logical dump and restore of the schemas crm and crm_data: DDL from the catalogs plus every table's
 * rows through `COPY … TO STDOUT` (text format), all read in one REPEATABLE READ snapshot so the
 * dump is consistent while servers keep writing. Restore replays it in ONE transaction: either the
 * whole database comes back or nothing does.
 *
 * The one place that copies record tables (crm_data) without the scoped record reader, on purpose: a
 * backup must hold every row as stored — soft-deleted rows, every field, ciphertext and search hashes
 * as they are — so that a restore gives the database back exactly; scope, masking and decryption
 * would make it lossy. The archive is signed with and readable only under CRM_DATA_KEY.
 */
import { createReadStream, createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { DUMP_SCHEMAS, q, qualified, readSchemaDdl, type SchemaDdl } from './catalog-ddl.js';

export const SCHEMA_PART = 'db/schema.json';

export interface DumpedTable {
  schema: string;
  name: string;
  part: string;
  rows: number;
}

export interface DatabaseFacts {
  /** Names of the platform migrations applied in the dumped database, oldest first. */
  migrations: string[];
  postgres: { version: string; versionNum: number };
}

export interface DumpResult extends DatabaseFacts {
  tables: DumpedTable[];
}

/** The applied platform migrations and the server's version, for the manifest. */
export async function databaseFacts(client: pg.ClientBase): Promise<DatabaseFacts> {
  const { rows: has } = await client.query(`SELECT to_regclass('crm.migrations') IS NOT NULL AS ok`);
  const migrations = has[0].ok
    ? (await client.query<{ name: string }>('SELECT name FROM crm.migrations ORDER BY "timestamp", id')).rows.map((r) => r.name)
    : [];
  const { rows } = await client.query<{ v: string; n: string }>(`SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n`);
  return { migrations, postgres: { version: rows[0].v, versionNum: Number(rows[0].n) } };
}

/** Writes db/schema.json and db/data/NNNN.copy under dir. */
export async function dumpDatabase(client: pg.ClientBase, dir: string): Promise<DumpResult> {
  mkdirSync(path.join(dir, 'db/data'), { recursive: true });
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query('SET LOCAL search_path = pg_catalog');
    const ddl = await readSchemaDdl(client);
    writeFileSync(path.join(dir, SCHEMA_PART), JSON.stringify(ddl, null, 1));
    const tables: DumpedTable[] = [];
    for (const [i, t] of ddl.tables.entries()) {
      if (t.partitioned) continue; // its rows are dumped from its partitions
      const part = `db/data/${String(i + 1).padStart(4, '0')}.copy`;
      const cols = t.copyColumns.map(q).join(', ');
      const stream = client.query(copyTo(`COPY ${qualified(t.schema, t.name)} (${cols}) TO STDOUT`));
      await pipeline(stream, createWriteStream(path.join(dir, part)));
      tables.push({ schema: t.schema, name: t.name, part, rows: stream.rowCount });
    }
    const facts = await databaseFacts(client);
    await client.query('COMMIT');
    return { tables, ...facts };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** True when the target already holds any table of the platform's schemas. */
export async function targetHasData(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1) AND c.relkind IN ('r','p','v','m') LIMIT 1`,
    [DUMP_SCHEMAS],
  );
  return rows.length > 0;
}

/** Recreates the schemas from dir in one transaction (dropping existing ones when replace is set). */
export async function restoreDatabase(client: pg.ClientBase, dir: string, tables: DumpedTable[], opts: { replace: boolean }): Promise<void> {
  const ddl = JSON.parse(readFileSync(path.join(dir, SCHEMA_PART), 'utf8')) as SchemaDdl;
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query('SET LOCAL check_function_bodies = off');
    await client.query('SET LOCAL search_path = pg_catalog');
    if (opts.replace) for (const s of [...DUMP_SCHEMAS].reverse()) await client.query(`DROP SCHEMA IF EXISTS ${q(s)} CASCADE`);
    for (const s of DUMP_SCHEMAS) await client.query(`CREATE SCHEMA IF NOT EXISTS ${q(s)}`);
    for (const f of ddl.functions) await client.query(f);
    for (const s of ddl.sequences) await client.query(s.create);
    for (const t of ddl.tables) await client.query(t.create);
    for (const t of tables) {
      const def = ddl.tables.find((d) => d.schema === t.schema && d.name === t.name);
      if (!def) throw new Error(`the archive has data for ${t.schema}.${t.name} but no table definition`);
      const cols = def.copyColumns.map(q).join(', ');
      const sink = client.query(copyFrom(`COPY ${qualified(t.schema, t.name)} (${cols}) FROM STDIN`));
      await pipeline(createReadStream(path.join(dir, t.part)), sink);
      if (sink.rowCount !== t.rows) throw new Error(`${t.schema}.${t.name}: ${sink.rowCount} rows restored, the manifest says ${t.rows}`);
    }
    for (const s of ddl.sequences) {
      const name = qualified(s.schema, s.name);
      if (s.lastValue !== null) await client.query(`SELECT pg_catalog.setval($1::regclass, $2::bigint, true)`, [name, s.lastValue]);
    }
    for (const s of ddl.sequences) {
      // ownedBy is already quoted by format('%I.%I.%I') at dump time.
      if (s.ownedBy) await client.query(`ALTER SEQUENCE ${qualified(s.schema, s.name)} OWNED BY ${s.ownedBy}`);
    }
    for (const c of ddl.constraints) await client.query(c);
    for (const i of ddl.indexes) await client.query(i);
    for (const t of ddl.triggers) await client.query(t);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
