/**
 * `pnpm crm <command>` — operations on the database the server uses (same configuration as the
 * server: DATABASE_URL, or the embedded PostgreSQL in CRM_DATA_DIR; CRM_DATA_KEY; CRM_CRYPTO).
 *
 *   pnpm crm backup --out FILE        database, attachments and a signed manifest in one .tar.gz
 *   pnpm crm restore FILE [--force]   refuses a foreign/altered archive, another key, a newer schema,
 *                                     a non-empty target (unless --force) and a running server
 *   pnpm crm audit-archive --month YYYY-MM --out FILE
 *                                     writes an ended month of the audit trail with its chain links to
 *                                     FILE, verifies the file, then drops the month's partition
 *   pnpm crm audit-verify-archive FILE   checks an archived month against the chain
 *   pnpm crm audit-restore-month FILE    puts an archived month back online (then verify checks it)
 *
 * Exit codes: 0 done, 1 refused or failed (nothing changed), 2 bad usage or configuration.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type AppConfig } from '../config/config.js';
import { BackupRefused, createBackup, restoreBackup } from '../backup/backup.js';
import { openToolDatabase } from './database-url.js';
import { userInfo } from 'node:os';
import pg from 'pg';
import { ArchiveRefused, archiveMonth, chainKeys, restoreArchivedMonth, verifyArchiveFile } from '../audit/audit-archive.js';

const USAGE =
  'usage: pnpm crm backup --out FILE | pnpm crm restore FILE [--force] | pnpm crm audit-archive --month YYYY-MM --out FILE |\n' +
  '       pnpm crm audit-verify-archive FILE | pnpm crm audit-restore-month FILE';

function usage(message?: string): never {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

async function withDatabase<T>(config: AppConfig, fn: (url: string) => Promise<T>): Promise<T> {
  const db = await openToolDatabase(config);
  try {
    return await fn(db.url);
  } finally {
    await db.release();
  }
}

/** Who the audit trail names for a command-line operation. */
const operator = () => `cli:${userInfo().username}`;

async function auditCommand(command: string, config: AppConfig, values: { out?: string; month?: string }, positionals: string[]): Promise<void> {
  const keys = chainKeys(config.dataKey);
  await withDatabase(config, async (url) => {
    const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'bank-crm-cli' });
    try {
      if (command === 'audit-archive') {
        if (!values.month || !values.out || positionals.length) usage('audit-archive needs --month YYYY-MM --out FILE');
        const r = await archiveMonth({ pool, keys, month: values.month, out: values.out, actor: operator() });
        console.log(`审计归档完成 / archived ${r.month}: ${r.rows} entries, positions ${r.firstPosition ?? '-'}…${r.lastPosition ?? '-'}, sha256 ${r.sha256} → ${values.out}`);
      } else if (command === 'audit-verify-archive') {
        if (positionals.length !== 1) usage('audit-verify-archive needs exactly one FILE');
        const r = await verifyArchiveFile({ pool, keys, file: positionals[0]! });
        console.log(`校验通过 / verified ${r.month}: ${r.rows} entries match the chain${r.recorded ? ' and the recorded archive' : ' (the month is online, not recorded as archived)'}`);
      } else {
        if (positionals.length !== 1) usage('audit-restore-month needs exactly one FILE');
        const r = await restoreArchivedMonth({ pool, keys, file: positionals[0]!, actor: operator() });
        console.log(`已恢复 / restored ${r.month} online: ${r.rows} entries; GET /api/audit/verify now checks them again`);
      }
    } finally {
      await pool.end();
    }
  });
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, options: { out: { type: 'string' }, month: { type: 'string' }, force: { type: 'boolean', default: false } } });
  } catch (err) {
    usage((err as Error).message);
  }
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (command === 'backup') {
    if (!parsed.values.out || parsed.positionals.length) usage('backup needs --out FILE');
    const out = parsed.values.out;
    const m = await withDatabase(config, (url) => createBackup({ config, databaseUrl: url, out }));
    const rows = m.database.tables.reduce((n, t) => n + t.rows, 0);
    const files = Object.keys(m.parts).filter((p) => p.startsWith('files/')).length;
    console.log(`备份完成 / backup written: ${out} — ${m.database.tables.length} tables, ${rows} rows, ${files} files, schema ${m.schemaVersion}`);
  } else if (command === 'restore') {
    if (parsed.positionals.length !== 1 || parsed.values.out) usage('restore needs exactly one FILE');
    const file = parsed.positionals[0];
    const m = await restoreBackup({ config, openDatabase: () => openToolDatabase(config), file, force: parsed.values.force ?? false });
    console.log(`恢复完成 / restored ${file} (made ${m.createdAt} by version ${m.productVersion}, schema ${m.schemaVersion}); start the server to apply newer migrations`);
  } else if (command === 'audit-archive' || command === 'audit-verify-archive' || command === 'audit-restore-month') {
    await auditCommand(command, config, parsed.values, parsed.positionals);
  } else {
    usage(command ? `unknown command: ${command}` : undefined);
  }
}

main().catch((err: unknown) => {
  if (err instanceof BackupRefused || err instanceof ArchiveRefused) process.stderr.write(`已拒绝 / refused: ${err.message}\n`);
  else process.stderr.write(`失败 / failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
  process.exit(1);
});
