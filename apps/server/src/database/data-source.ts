/**
 * The TypeORM data source: owns the pg pool and runs the platform's migrations (never synchronize).
 * Migrations run under an advisory lock so several server processes can start at once.
 */
import { DataSource } from 'typeorm';
import pg from 'pg';

// Dates stay 'YYYY-MM-DD' strings (no time-zone shift); bigint counts become numbers when exact.
pg.types.setTypeParser(1082, (v: string) => v);
pg.types.setTypeParser(20, (v: string) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
});
import { migrations } from './migrations/index.js';
import { appliedMigrations, assertSchemaNotNewer, migrationFailed } from './schema-check.js';
import { ADVISORY_LOCKS } from './advisory-locks.js';
import { CountingClient } from './query-count.js';


export interface DataSourceOptions {
  url: string;
  poolSize?: number;
  statementTimeoutMs?: number;
}

export function createDataSource(opts: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    schema: 'crm',
    migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    applicationName: 'bank-crm',
    extra: {
      max: opts.poolSize ?? 20,
      statement_timeout: opts.statementTimeoutMs ?? 15000,
      idle_in_transaction_session_timeout: 60000,
      connectionTimeoutMillis: 5000,
      // Every pooled connection counts what it sends (crm_db_queries_total, crm_db_round_trips).
      Client: CountingClient,
    },
  });
}

/** The pg pool TypeORM created: services use it directly for dynamic SQL. */
export function poolOf(ds: DataSource): pg.Pool {
  return (ds.driver as unknown as { master: pg.Pool }).master;
}

/**
 * Runs the pending migrations, forward only, each in its own transaction. Refuses (StartupRefusal)
 * a schema newer than this code and reports a failed migration with what to do.
 */
export async function initialiseDatabase(ds: DataSource, version = '0.0.0'): Promise<string[]> {
  await ds.initialize();
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    // The one session-scoped lock (each migration commits on its own), released on this same connection below.
    await runner.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCKS.migrations]);
    const [{ server_version_num }] = (await runner.query('SHOW server_version_num')) as { server_version_num: string }[];
    if (Number(server_version_num) < 140000) {
      throw new Error(`PostgreSQL 14 or newer is required (this server is ${server_version_num})`);
    }
    const known = migrations.map((M) => new M().name ?? M.name);
    const applied = await appliedMigrations(runner);
    assertSchemaNotNewer(applied, known, version);
    await runner.query('CREATE SCHEMA IF NOT EXISTS crm');
    try {
      const ran = await ds.runMigrations({ transaction: 'each' });
      return ran.map((m) => m.name);
    } catch (err) {
      // TypeORM ran each pending migration in its own transaction: the failed one left nothing behind.
      const now = await appliedMigrations(runner);
      const failed = known.find((name) => !now.includes(name)) ?? 'unknown';
      throw migrationFailed(failed, now.at(-1), err);
    }
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCKS.migrations]).catch(() => undefined);
    await runner.release();
  }
}
