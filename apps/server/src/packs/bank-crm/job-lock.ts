/**
 * One runner at a time for the bank pack's background jobs across server processes. The lock is a
 * transaction-level advisory lock taken in a guard transaction on one connection, so it is released
 * with that transaction — on the connection that took it — however the job ends; never a session lock
 * taken and released through the pool (possibly on two connections, left held, the job then skipped).
 * The job's own writes commit in batches through the pool, so users' edits never wait on a whole run.
 */
import type { Db } from '../../database/db.js';
import { UnitOfWork } from '../../database/unit-of-work.js';
import { ADVISORY_LOCKS, type AdvisoryLock } from '../../database/advisory-locks.js';

/** Runs `job` while holding `lock`; returns undefined without running it when another process holds it. */
export async function whileHoldingJobLock<T>(db: Db, lock: AdvisoryLock, job: () => Promise<T>): Promise<T | undefined> {
  return db.tx(async (c) => {
    const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [ADVISORY_LOCKS[lock]]);
    if (!rows[0]?.ok) return undefined;
    // The guard is idle while the job works: the idle-in-transaction limit must not end it (and free the lock) early.
    await c.query('SET LOCAL idle_in_transaction_session_timeout = 0');
    // The job runs outside the guard's transaction: its batches commit on their own.
    return UnitOfWork.outside(job);
  });
}
