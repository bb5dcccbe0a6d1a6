/**
 * A `Db` bound to one open transaction: its `tx(fn)` joins that transaction instead of opening a new
 * one, and its queries run on the same connection. Lets a template install call other modules'
 * services (which take a `Db`) so that everything commits or rolls back together.
 */
import type pg from 'pg';
import { Db } from '../database/db.js';

export class TxDb extends Db {
  constructor(readonly client: pg.PoolClient) {
    // Only query() is used through `pool` here; connect() is never reached because tx() is overridden.
    super(client as unknown as pg.Pool);
  }

  override async tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return fn(this.client);
  }
}
