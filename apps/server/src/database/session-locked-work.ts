/**
 * Work items (imports, background jobs) claimed under a session advisory lock held on a dedicated
 * connection: a process that dies loses its connection and with it the lock, so another process takes
 * the item over — no lease to expire. Two-key locks: (class, hashtext(item id)).
 */
import type pg from 'pg';
import type { PoolClient } from 'pg';

const WATCHED = new WeakSet<PoolClient>();

/**
 * The first of `candidates` whose lock is free and that `take` still accepts (it re-reads or updates the
 * row under the lock), with the connection holding the lock; null when none.
 */
export async function claimUnderSessionLock<R>(
  pool: pg.Pool,
  lockClass: number,
  candidates: (c: PoolClient) => Promise<string[]>,
  take: (c: PoolClient, id: string) => Promise<R | undefined>,
): Promise<{ client: PoolClient; row: R } | null> {
  const client = await pool.connect();
  // A connection ended under us fails its next query instead of crashing the process (once per pooled client).
  if (!WATCHED.has(client)) {
    WATCHED.add(client);
    client.on('error', () => undefined);
  }
  let keep = false;
  try {
    for (const id of await candidates(client)) {
      const { rows: got } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [lockClass, id]);
      if (!got[0]?.ok) continue;
      const row = await take(client, id);
      if (row !== undefined) {
        keep = true;
        return { client, row };
      }
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [lockClass, id]);
    }
    return null;
  } finally {
    if (!keep) client.release();
  }
}

/** Ends a claim: a broken connection is destroyed (its lock died with it), a sound one unlocks and goes back to the pool. */
export async function releaseSessionLock(client: PoolClient, lockClass: number, id: string, broken: boolean): Promise<void> {
  if (broken) {
    client.release(true);
    return;
  }
  await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [lockClass, id]).catch(() => undefined);
  client.release();
}

/**
 * Runs `step` until it reports no more work, one pass at a time: a wake during a pass runs another
 * pass after it instead of a second one beside it.
 */
export class SerialWorkLoop {
  private busy: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(private readonly step: () => Promise<boolean>, private readonly onError: (err: unknown) => void) {}

  wake(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.busy) {
      this.again = true;
      return this.busy;
    }
    this.busy = (async () => {
      do {
        this.again = false;
        while (!this.stopped && (await this.step()));
      } while (this.again && !this.stopped);
    })()
      .catch(this.onError)
      .finally(() => {
        this.busy = null;
      });
    return this.busy;
  }

  /** No new pass starts; resolves when the running one ends. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.busy?.catch(() => undefined);
  }
}
