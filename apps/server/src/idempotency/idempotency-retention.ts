/** Stored idempotent answers older than their time-to-live go, one bounded batch at a time. */
import type { Queryable } from '../database/db.js';

export async function purgeIdempotencyKeys(c: Queryable, now: Date, limit: number, days: number): Promise<number> {
  const { rowCount } = await c.query(
    `DELETE FROM crm.idempotency_keys WHERE (principal_id, key) IN (
       SELECT principal_id, key FROM crm.idempotency_keys
        WHERE created_at < $1::timestamptz - make_interval(days => $3::int)
        ORDER BY created_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED)`,
    [now, limit, days],
  );
  return rowCount ?? 0;
}
