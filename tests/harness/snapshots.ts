/**
 * Start-up snapshots for test servers. Most test files start the server on a fresh database with one of
 * a few configurations, and a first start (migrations, solution pack, demo data) is most of a file's
 * set-up time. The second time a configuration is asked for in a run, a server is started once on a
 * database of its own and stopped, and that database is kept as a template; that start and every later
 * one clone it (`CREATE DATABASE … TEMPLATE`), so the server finds its start-up work done.
 *
 * Configurations are told apart by every variable given to the server and by the server build, so a test
 * whose settings change what a first start writes gets a snapshot of its own. A configuration asked for
 * once costs nothing extra. `CRM_TEST_SNAPSHOTS=0` turns snapshots off (every start is a first start).
 */
import pg from 'pg';
import { createHash } from 'node:crypto';
import { adminUrl, createTestDatabase, dropTestDatabase } from './db.js';
import { until } from './until.js';

/** Variables that differ per start and decide nothing about what a first start writes. */
const PER_START = new Set(['PORT', 'DATABASE_URL', 'CRM_DATA_DIR', 'LOG_LEVEL']);

export function snapshotsEnabled(): boolean {
  return process.env.CRM_TEST_SNAPSHOTS !== '0';
}

/** The configuration's name: the server build and every variable that reaches the server. */
export function snapshotKey(env: Record<string, string | undefined>, serverMain: string): string {
  const given = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CRM_'))), ...env };
  const entries = Object.entries(given)
    .filter(([k, v]) => v !== undefined && !PER_START.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify([serverMain, entries])).digest('hex').slice(0, 20);
}

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** How often the configuration was asked for in this run (this time included); shared by every jest worker. */
async function countUse(c: pg.Client, key: string): Promise<number> {
  await c.query('BEGIN');
  try {
    await c.query(`SELECT pg_advisory_xact_lock(hashtext('crm-test-snapshot-uses'))`);
    await c.query('CREATE TABLE IF NOT EXISTS crm_test_snapshot_uses (key text PRIMARY KEY, uses int NOT NULL)');
    const r = await c.query<{ uses: number }>(
      `INSERT INTO crm_test_snapshot_uses AS u VALUES ($1, 1) ON CONFLICT (key) DO UPDATE SET uses = u.uses + 1 RETURNING uses`,
      [key],
    );
    await c.query('COMMIT');
    return r.rows[0]!.uses;
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  }
}

async function exists(c: pg.Client, name: string): Promise<boolean> {
  return (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
}

/** A new database copied from the template. */
async function cloneOf(template: string): Promise<string> {
  const name = `srv_${createHash('sha256').update(`${template}${process.pid}${Date.now()}${Math.random()}`).digest('hex').slice(0, 12)}`;
  await withAdmin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The database a test server starts on: a clone of the configuration's snapshot when there is one (made
 * now, by `firstStart` on a database of its own, if this is the configuration's second use), otherwise
 * a fresh one. `firstStart` starts the server on the given database and stops it, keeping the database.
 */
export async function databaseFor(key: string, firstStart: (dbUrl: string) => Promise<void>): Promise<string> {
  if (!snapshotsEnabled()) return createTestDatabase('srv');
  const template = `snap_${key}`;
  const ready = await withAdmin(async (c) => {
    // One worker makes a configuration's snapshot; the others wait for it.
    await c.query('SELECT pg_advisory_lock(hashtext($1))', [template]);
    try {
      if (await exists(c, template)) return true;
      if ((await countUse(c, key)) < 2) return false;
      const tmpUrl = await createTestDatabase('snapmake');
      try {
        await firstStart(tmpUrl);
      } catch {
        // The start itself fails: the test's own start on a fresh database reports why.
        await dropTestDatabase(tmpUrl).catch(() => undefined);
        return false;
      }
      // Nobody may connect to a template while it is copied; the rename publishes it whole (once the
      // stopped server's connections are gone: a killed server's backends end a moment after it).
      const tmp = new URL(tmpUrl).pathname.slice(1);
      await until(
        () => c.query(`ALTER DATABASE "${tmp}" RENAME TO "${template}"`).then(
          () => true,
          async (err: { code?: string }) => {
            if (err.code !== '55006') throw err;
            await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [tmp]);
            return false;
          },
        ),
        { ms: 20000, everyMs: 50, what: `the snapshot database ${tmp} to be free` },
      );
      await c.query(`ALTER DATABASE "${template}" WITH ALLOW_CONNECTIONS false`);
      return true;
    } finally {
      await c.query('SELECT pg_advisory_unlock(hashtext($1))', [template]);
    }
  });
  return ready ? cloneOf(template) : createTestDatabase('srv');
}
