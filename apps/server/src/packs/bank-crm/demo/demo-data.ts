/**
 * `pnpm demo:data --customers N [--batch 5000] [--seed 1] [--no-staff]` — loads the demo bank's
 * customers, holdings, relationships (with a few guarantee circles), interactions and consents into
 * the database the server uses (DATABASE_URL, or the embedded PostgreSQL in CRM_DATA_DIR — the
 * running server's, when it is up). The bank-crm template must be installed (demo mode does it).
 */
import pg from 'pg';
import { loadConfig } from '../../../config/config.js';
import { FieldCrypto } from '../../../crypto/field-crypto.js';
import { openToolDatabase } from '../../../cli/database-url.js';
import { loadDemoData } from './demo-data-core.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

function intArg(name: string, def: number, min: number, max: number): number {
  const raw = arg(name);
  if (raw === undefined) return def;
  const n = Number(raw.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`--${name} must be an integer from ${min} to ${max}`);
    process.exit(2);
  }
  return n;
}

function bar(phase: string, done: number, total: number, startedAt: number): string {
  const width = 30;
  const f = total ? done / total : 1;
  const full = Math.round(f * width);
  const secs = (Date.now() - startedAt) / 1000;
  const rate = secs > 0 ? Math.round(done / secs) : 0;
  const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
  return `\r[${'█'.repeat(full)}${'░'.repeat(width - full)}] ${(f * 100).toFixed(1).padStart(5)}% ${phase} ${done.toLocaleString()}/${total.toLocaleString()}  ${rate.toLocaleString()}/s  ${secs.toFixed(0)}s elapsed${eta ? `, ~${eta}s left` : ''}   `;
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log('usage: pnpm demo:data [--customers 5000] [--batch 5000] [--seed 20260101] [--no-staff] [--drop-indexes | --keep-indexes]');
    return;
  }
  const customers = intArg('customers', 5000, 1, 20_000_000);
  const batch = intArg('batch', 5000, 100, 50_000);
  const seed = intArg('seed', Date.now() % 1_000_000_007, 0, 2 ** 31);
  const config = loadConfig(process.env);
  const database = await openToolDatabase(config);
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  const crypto = new FieldCrypto(config.dataKey, config.crypto);
  const startedAt = Date.now();
  try {
    const res = await loadDemoData(pool, crypto, {
      customers, batch, seed, staff: !process.argv.includes('--no-staff'), timing: config.demoTiming,
      // Big loads drop the secondary indexes and rebuild them once at the end.
      dropIndexes: process.argv.includes('--drop-indexes') || (customers >= 200_000 && !process.argv.includes('--keep-indexes')),
      progress: (phase, done, total) => process.stderr.write(bar(phase, done, total, startedAt)),
    });
    process.stderr.write('\n');
    console.log(
      `Loaded ${res.customers.toLocaleString()} customers, ${res.holdings.toLocaleString()} holdings, ${res.relationships.toLocaleString()} relationships ` +
        `(${res.circles} guarantee circles), ${res.interactions.toLocaleString()} interactions, ${res.consents.toLocaleString()} consents` +
        `${res.users ? `, ${res.users} staff users` : ''} in ${(res.ms / 1000).toFixed(1)} s.`,
    );
  } finally {
    await pool.end();
    await database.release();
  }
}

main().catch((err: unknown) => {
  process.stderr.write('\n');
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
