/**
 * The ambient unit of work and the named advisory locks, against a real PostgreSQL: a service
 * called inside another's transaction joins it (commits or rolls back with it) without being handed
 * a client; work that outlives the transaction falls back to the pool; a refusal audited inside a
 * transaction that then rolls back stays; a transaction-scoped lock ends with its transaction.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Db } from './db.js';
import { UnitOfWork } from './unit-of-work.js';
import { ADVISORY_LOCKS, KEYED_ADVISORY_LOCKS, advisoryXactLock, tryAdvisoryXactLock } from './advisory-locks.js';
import { AuditService } from '../audit/audit.service.js';
import type { AppConfig } from '../config/config.js';
import { scratchDatabase } from './scratch-database.test-util.js';

const config = { crypto: 'aes', dataKey: Buffer.alloc(32, 7) } as AppConfig;

let drop: (() => Promise<void>) | undefined;
let db: Db;
let audit: AuditService;

const names = async () => (await db.pool.query<{ name: string }>('SELECT name FROM uow_probe ORDER BY name')).rows.map((r) => r.name);
const refusals = async (action: string) => Number((await db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM crm.audit_log WHERE action = $1', [action])).rows[0]!.n);

beforeAll(async () => {
  ({ db, drop } = await scratchDatabase('uow'));
  audit = new AuditService(db, config);
  await db.query('CREATE TABLE uow_probe (name text PRIMARY KEY)');
});

afterAll(async () => {
  await drop?.();
});

beforeEach(async () => {
  await db.query('TRUNCATE uow_probe');
});

describe('the ambient unit of work', () => {
  it('joins a nested tx and plain queries to the outer transaction: one rollback undoes them all', async () => {
    await expect(db.tx(async () => {
      await db.query(`INSERT INTO uow_probe VALUES ('plain')`);
      await db.tx(async (c) => c.query(`INSERT INTO uow_probe VALUES ('nested')`));
      // Seen inside (same connection), not outside (uncommitted).
      expect((await db.query<{ name: string }>('SELECT name FROM uow_probe ORDER BY name')).map((r) => r.name)).toEqual(['nested', 'plain']);
      expect(await names()).toEqual([]);
      throw new Error('refused');
    })).rejects.toThrow('refused');
    expect(await names()).toEqual([]);
    await db.tx(async () => {
      await db.query(`INSERT INTO uow_probe VALUES ('kept')`);
      await db.tx(async (c) => c.query(`INSERT INTO uow_probe VALUES ('kept too')`));
    });
    expect(await names()).toEqual(['kept', 'kept too']);
  });

  it('binds a client a caller passes (joined, not a second transaction)', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await UnitOfWork.run(client, async () => {
        expect(db.inTransaction()).toBe(true);
        await db.tx(async (c) => {
          expect(c).toBe(client);
          await db.query(`INSERT INTO uow_probe VALUES ('bound')`);
        });
      });
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await names()).toEqual([]);
  });

  it('lets work that outlives the transaction fall back to the pool, never to a released connection', async () => {
    let later: Promise<void> | undefined;
    await db.tx(async () => {
      later = new Promise<void>((resolve, reject) => {
        setImmediate(() => {
          void (async () => {
            // The transaction has committed and its connection went back to the pool by now.
            expect(db.inTransaction()).toBe(false);
            await db.query(`INSERT INTO uow_probe VALUES ('afterwards')`);
          })().then(resolve, reject);
        });
      });
    });
    await later;
    expect(await names()).toEqual(['afterwards']);
  });

  it('keeps an audited refusal when the transaction that refused rolls back; an ordinary entry goes with it', async () => {
    await expect(db.tx(async () => {
      await audit.record({ action: 'test.joined', actorId: null, actorName: 'test' });
      await audit.recordRefusal({ action: 'test.refused', outcome: 'denied', actorId: null, actorName: 'test' });
      throw new Error('refused');
    })).rejects.toThrow('refused');
    expect(await refusals('test.joined')).toBe(0);
    expect(await refusals('test.refused')).toBe(1);
  });
});

describe('named advisory locks', () => {
  it('give every name its own key', () => {
    const keys = Object.values(ADVISORY_LOCKS);
    expect(new Set(keys).size).toBe(keys.length);
    const prefixes = Object.values(KEYED_ADVISORY_LOCKS);
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });

  it('are held until the transaction ends, whether it commits or rolls back', async () => {
    const other = () => UnitOfWork.outside(() => db.tx((c) => tryAdvisoryXactLock(c, 'housekeeping')));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let taken!: () => void;
    const took = new Promise<void>((r) => (taken = r));
    const holder = db.tx(async (c) => {
      await advisoryXactLock(c, 'housekeeping');
      taken();
      await held;
      throw new Error('roll back');
    });
    await took;
    expect(await other()).toBe(false);
    release();
    await expect(holder).rejects.toThrow('roll back');
    expect(await other()).toBe(true);
    // Nothing is left on a pooled connection: no advisory lock remains in this database.
    const { rows } = await db.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    expect(rows[0]!.n).toBe('0');
  });
});
