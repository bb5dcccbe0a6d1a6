/** Shared by the backup tests: the `crm` command line as a child process, and a snapshot of a database. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_DATA_KEY, TEST_SECRET } from '../harness/server.js';
import { withClient } from '../harness/db.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(repo, 'apps/server/dist/cli/crm.js');

export function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CRM_SECRET: TEST_SECRET, CRM_DATA_KEY: TEST_DATA_KEY, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** Every table's row count and a digest of all its rows, plus the DDL the catalogs report. */
export async function snapshot(url: string) {
  return withClient(url, async (db) => {
    const tables = await db.query<{ s: string; t: string }>(
      `SELECT schemaname AS s, tablename AS t FROM pg_tables WHERE schemaname IN ('crm','crm_data') ORDER BY 1, 2`,
    );
    const rows: Record<string, { n: number; digest: string }> = {};
    for (const { s, t } of tables.rows) {
      const r = await db.query(`SELECT count(*)::int AS n, md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS digest FROM "${s}"."${t}" x`);
      rows[`${s}.${t}`] = r.rows[0];
    }
    const ddl = await db.query<{ d: string }>(
      `SELECT d FROM (
         SELECT pg_get_indexdef(indexrelid) AS d FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('crm','crm_data')
         UNION ALL SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(k.oid) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname IN ('crm','crm_data')
         UNION ALL SELECT pg_get_triggerdef(t.oid) || t.tgenabled::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('crm','crm_data') AND NOT tgisinternal
         UNION ALL SELECT format('%s.%s %s %s', schemaname, sequencename, last_value, data_type) FROM pg_sequences WHERE schemaname IN ('crm','crm_data')
         UNION ALL SELECT format('%s.%s.%s %s %s %s', table_schema, table_name, column_name, data_type, is_nullable, column_default) FROM information_schema.columns WHERE table_schema IN ('crm','crm_data')
       ) x ORDER BY d`,
    );
    return { rows, ddl: ddl.rows.map((r) => r.d) };
  });
}

