/**
 * Solution packs' migrations against a real PostgreSQL: steps run in id order, each once (recorded
 * in crm.pack_migrations), a failing step rolls back whole and stops the run with exit code 4, and
 * two processes starting at once run every step exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg, { type PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource, initialiseDatabase, poolOf } from '../database/data-source.js';
import { EXIT_MIGRATION_FAILED, StartupRefusal } from '../database/schema-check.js';
import { runPackMigrations } from './pack-migrations.js';
import type { PackMigration, SolutionPack } from './solution-pack.js';

let url: string;
let ds: DataSource;
let pool: pg.Pool;
const dbName = `packmig_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

/** A statement on the test server's maintenance database (TEST_DATABASE_URL, set by the jest global setup). */
async function onServer(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await c.connect();
  await c.query(sql).finally(() => c.end());
}

beforeAll(async () => {
  await onServer(`CREATE DATABASE ${dbName}`);
  const u = new URL(process.env.TEST_DATABASE_URL!);
  u.pathname = `/${dbName}`;
  url = u.toString();
  ds = createDataSource({ url, poolSize: 6 });
  await initialiseDatabase(ds);
  pool = poolOf(ds);
  await pool.query('CREATE TABLE crm.pack_test_log (pack text, step text, at timestamptz DEFAULT clock_timestamp())');
});

afterAll(async () => {
  await ds?.destroy();
  if (url) await onServer(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
});

/** A pack whose steps log themselves (and may fail after doing some work). */
function pack(key: string, steps: { id: string; fail?: boolean }[]): SolutionPack {
  const migrations: PackMigration[] = steps.map(({ id, fail }) => ({
    id,
    async up(c: PoolClient) {
      await c.query('INSERT INTO crm.pack_test_log (pack, step) VALUES ($1, $2)', [key, id]);
      await c.query(`CREATE TABLE crm."${key}_${id}" (x int)`);
      // Keeps the step open a moment, so a concurrent runner reaches the same step meanwhile.
      await c.query('SELECT pg_sleep(0.05)');
      if (fail) throw new Error(`step ${id} cannot go on`);
    },
  }));
  return { key, bundleDir: '/nonexistent', module: class {}, migrations };
}

const logged = async (key: string) => (await pool.query('SELECT step FROM crm.pack_test_log WHERE pack = $1 ORDER BY at', [key])).rows.map((r) => r.step);
const recorded = async (key: string) => (await pool.query('SELECT id FROM crm.pack_migrations WHERE pack = $1 ORDER BY id', [key])).rows.map((r) => r.id);
const exists = async (table: string) => (await pool.query('SELECT to_regclass($1)::text AS t', [`crm."${table}"`])).rows[0].t !== null;

describe('pack migrations', () => {
  it('runs the steps in id order, each once', async () => {
    const p = pack('ordered', [{ id: '0002-b' }, { id: '0010-c' }, { id: '0001-a' }]);
    expect(await runPackMigrations(pool, [p])).toEqual(['ordered/0001-a', 'ordered/0002-b', 'ordered/0010-c']);
    expect(await logged('ordered')).toEqual(['0001-a', '0002-b', '0010-c']);
    expect(await runPackMigrations(pool, [p])).toEqual([]);
    expect(await logged('ordered')).toHaveLength(3);
    expect(await recorded('ordered')).toEqual(['0001-a', '0002-b', '0010-c']);
  });

  it('rolls a failing step back whole, runs nothing after it, keeps the steps before, and refuses with exit code 4', async () => {
    const p = pack('broken', [{ id: '0001-ok' }, { id: '0002-bad', fail: true }, { id: '0003-later' }]);
    const err = await runPackMigrations(pool, [p]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartupRefusal);
    expect((err as StartupRefusal).exitCode).toBe(EXIT_MIGRATION_FAILED);
    expect((err as Error).message).toContain('Migration 0002-bad of the broken pack failed and was rolled back: step 0002-bad cannot go on');
    expect(await recorded('broken')).toEqual(['0001-ok']);
    expect(await logged('broken')).toEqual(['0001-ok']);
    expect([await exists('broken_0001-ok'), await exists('broken_0002-bad'), await exists('broken_0003-later')]).toEqual([true, false, false]);
  });

  it('runs every step exactly once when two processes start at once', async () => {
    const steps = [{ id: '0001-x' }, { id: '0002-y' }, { id: '0003-z' }];
    const [a, b] = await Promise.all([runPackMigrations(pool, [pack('raced', steps)]), runPackMigrations(pool, [pack('raced', steps)])]);
    expect([...a, ...b].sort()).toEqual(['raced/0001-x', 'raced/0002-y', 'raced/0003-z']);
    expect((await logged('raced')).sort()).toEqual(['0001-x', '0002-y', '0003-z']);
  });
});
