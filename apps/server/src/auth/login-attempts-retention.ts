/**
 * Failed-login counters are kept per user name, known or not, so they grow with every name anyone
 * tries. One bounded batch deletes counters untouched for longer than the time-to-live and not
 * locking anyone out now.
 */
import type { Queryable } from '../database/db.js';

export async function purgeLoginAttempts(c: Queryable, now: Date, limit: number, days: number): Promise<number> {
  const { rowCount } = await c.query(
    `DELETE FROM crm.login_attempts WHERE username IN (
       SELECT username FROM crm.login_attempts
        WHERE updated_at < $1::timestamptz - make_interval(days => $3::int)
          AND (locked_until IS NULL OR locked_until <= $1::timestamptz)
        ORDER BY updated_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED)`,
    [now, limit, days],
  );
  return rowCount ?? 0;
}
