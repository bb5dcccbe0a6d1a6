/**
 * The database part through PostgreSQL's own tools when PG_DUMP names a pg_dump of the server's
 * major version: `pg_dump --format=custom` of the schemas crm and crm_data; restore turns the archive
 * into a script with the pg_restore next to it and runs it with that psql in one transaction
 * (`--single-transaction`, stop on the first error), after dropping the old schemas in the same
 * transaction when replacing. Credentials go through PG* environment variables, never the command line.
 */
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { PgTools } from '../config/config.js';

const run = promisify(execFile);
export const PG_DUMP_PART = 'db/database.dump';

// Which tools (PG_DUMP / PG_RESTORE / PSQL) is part of the validated configuration.
export type { PgTools };

export async function toolMajor(bin: string): Promise<number> {
  if (!existsSync(bin)) throw new Error(`${bin} does not exist`);
  const { stdout } = await run(bin, ['--version']);
  const m = /\(PostgreSQL\)\s+(\d+)/.exec(stdout) ?? /(\d+)\.\d+/.exec(stdout);
  if (!m) throw new Error(`cannot read the version of ${bin}: ${stdout.trim()}`);
  return Number(m[1]);
}

function pgEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    PGHOST: u.hostname,
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
    PGAPPNAME: 'bank-crm-backup',
  };
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}

export async function pgDumpDatabase(tools: PgTools, url: string, dir: string): Promise<void> {
  await run(tools.pgDump, ['--format=custom', '--schema=crm', '--schema=crm_data', '--no-owner', '--no-privileges', `--file=${path.join(dir, PG_DUMP_PART)}`], {
    env: pgEnv(url),
    maxBuffer: 16 * 1024 * 1024,
  });
}

export async function pgRestoreDatabase(tools: PgTools, url: string, dir: string, replace: boolean): Promise<void> {
  const script = path.join(dir, 'db/restore.sql');
  const preamble = path.join(dir, 'db/preamble.sql');
  await run(tools.pgRestore, ['--no-owner', '--no-privileges', `--file=${script}`, path.join(dir, PG_DUMP_PART)], { env: pgEnv(url) });
  writeFileSync(preamble, `SET statement_timeout = 0;\n${replace ? 'DROP SCHEMA IF EXISTS crm_data CASCADE;\nDROP SCHEMA IF EXISTS crm CASCADE;\n' : ''}`);
  await run(tools.psql, ['--no-psqlrc', '--quiet', '--single-transaction', '-v', 'ON_ERROR_STOP=1', '-f', preamble, '-f', script], {
    env: pgEnv(url),
    maxBuffer: 64 * 1024 * 1024,
  });
}
