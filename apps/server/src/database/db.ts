/**
 * Thin access to PostgreSQL for services: bound parameters only, a statement timeout on every
 * connection, and transactions as a callback so a thrown error always rolls back.
 */
import type pg from 'pg';

export type Queryable = Pick<pg.PoolClient, 'query'>;

export class Db {
  constructor(readonly pool: pg.Pool) {}

  async query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const res = await this.pool.query<T>(sql, params);
    return res.rows;
  }

  async one<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    const rows = await this.query<T>(sql, params);
    return rows[0];
  }

  /** Runs fn in one transaction (READ COMMITTED by default); commits on return, rolls back on throw. */
  async tx<T>(fn: (client: pg.PoolClient) => Promise<T>, opts: { isolation?: 'serializable' | 'repeatable read' } = {}): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(opts.isolation ? `BEGIN ISOLATION LEVEL ${opts.isolation.toUpperCase()}` : 'BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  poolStats(): { total: number; idle: number; waiting: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }
}
