/**
 * Thin access to PostgreSQL for services: bound parameters only, a statement timeout on every
 * connection, and transactions as a callback so a thrown error always rolls back. Inside a unit of
 * work (see unit-of-work.ts) every query runs on its connection and `tx` joins it.
 */
import type pg from 'pg';
import { UnitOfWork } from './unit-of-work.js';

export type Queryable = Pick<pg.PoolClient, 'query'>;

export class Db {
  constructor(readonly pool: pg.Pool) {}

  /** Where a statement runs now: the ambient transaction's connection, else the pool. */
  get q(): Queryable {
    return UnitOfWork.current()?.client ?? this.pool;
  }

  /** Whether a unit of work is open in this async context. */
  inTransaction(): boolean {
    return !!UnitOfWork.current();
  }

  async query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const res = await this.q.query<T>(sql, params);
    return res.rows;
  }

  async one<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    const rows = await this.query<T>(sql, params);
    return rows[0];
  }

  /**
   * Runs fn in one transaction (READ COMMITTED by default); commits on return, rolls back on throw.
   * Inside an open unit of work it joins that transaction (the outer one decides commit and isolation).
   */
  async tx<T>(fn: (client: pg.PoolClient) => Promise<T>, opts: { isolation?: 'serializable' | 'repeatable read' } = {}): Promise<T> {
    const joined = UnitOfWork.current();
    if (joined) return fn(joined.client);
    const client = await this.pool.connect();
    // The pool listens for errors of idle connections only: a connection the database ends while this
    // transaction holds it (failover, pg_terminate_backend) would otherwise be an unhandled 'error'
    // event that ends the process. The transaction fails through its next query; the connection is
    // destroyed on release, never handed to the next caller.
    let lost: Error | undefined;
    const onError = (err: Error): void => {
      lost = err;
    };
    client.on('error', onError);
    try {
      await client.query(opts.isolation ? `BEGIN ISOLATION LEVEL ${opts.isolation.toUpperCase()}` : 'BEGIN');
      const result = await UnitOfWork.run(client, () => fn(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.off('error', onError);
      client.release(lost);
    }
  }

  poolStats(): { total: number; idle: number; waiting: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }
}
