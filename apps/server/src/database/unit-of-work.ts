/**
 * The one way to share a transaction: an ambient unit of work (AsyncLocalStorage). `Db.tx` opens
 * one, or joins the one already open in this async context; `Db.query` runs on its connection. So a
 * service called inside another's transaction writes in it without being handed a client, and
 * everything commits or rolls back together. Per-transaction state (the metadata snapshot a
 * transaction sees after changing metadata) hangs off the unit of work and dies with it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';

export interface UnitOfWork {
  readonly client: pg.PoolClient;
  /** Cleared when the transaction ends: work that outlives it (fire-and-forget) falls back to the pool. */
  open: boolean;
  /** Per-transaction state of other modules, keyed by a symbol each owns. */
  readonly slots: Map<symbol, unknown>;
}

const storage = new AsyncLocalStorage<UnitOfWork>();

export const UnitOfWork = {
  /** The open unit of work of this async context, if any. */
  current(): UnitOfWork | undefined {
    const u = storage.getStore();
    return u?.open ? u : undefined;
  },

  /** Runs fn with `client`'s open transaction as the ambient unit of work (joining it when it already is). */
  run<T>(client: pg.PoolClient, fn: () => Promise<T>): Promise<T> {
    const cur = UnitOfWork.current();
    if (cur && cur.client === client) return fn();
    const u: UnitOfWork = { client, open: true, slots: new Map() };
    return storage.run(u, async () => {
      try {
        return await fn();
      } finally {
        u.open = false;
      }
    });
  },

  /** Runs fn outside any unit of work (its own statements autocommit on the pool). */
  outside<T>(fn: () => T): T {
    return storage.exit(fn);
  },

  slot<T>(key: symbol): T | undefined {
    return UnitOfWork.current()?.slots.get(key) as T | undefined;
  },

  setSlot(key: symbol, value: unknown): void {
    UnitOfWork.current()?.slots.set(key, value);
  },
};
