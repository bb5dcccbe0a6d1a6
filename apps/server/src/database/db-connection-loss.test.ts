/**
 * A connection that PostgreSQL ends in the middle of a transaction (a failover, an administrator's
 * pg_terminate_backend, a crashed backend) fails that transaction and nothing else: the process lives
 * on, the broken connection is not handed to the next caller, and the pool keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { scratchDatabase, type ScratchDatabase } from './scratch-database.test-util.js';

describe('Db.tx when the database ends its connection', () => {
  let scratch: ScratchDatabase;
  beforeAll(async () => {
    scratch = await scratchDatabase('dbloss', 3);
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it('rejects the transaction, keeps the process and serves the next one on a fresh connection', async () => {
    const { db } = scratch;
    let pid = 0;
    const failed = db.tx(async (c) => {
      pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const ended = new Promise((resolve) => c.once('end', resolve));
      // Another session ends this one while the transaction is open and idle: the termination reaches
      // this client as a connection error emitted while no query runs, then the connection ends.
      await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
      await ended;
      await c.query('SELECT 1');
    });
    await expect(failed).rejects.toThrow();
    // Every connection the pool hands out afterwards is alive (the dead one was destroyed, not reused).
    for (let i = 0; i < 4; i++) {
      const again = await db.tx(async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
      expect(again).not.toBe(pid);
    }
    expect(await db.one<{ ok: number }>('SELECT 1 AS ok')).toEqual({ ok: 1 });
  });
});
