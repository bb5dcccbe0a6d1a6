/** Finished webhook messages (delivered, failed, filtered) older than their time-to-live go with their attempt log, one bounded batch at a time. */
import type { Queryable } from '../database/db.js';

export async function purgeWebhookMessages(c: Queryable, now: Date, limit: number, days: number): Promise<number> {
  const { rowCount } = await c.query(
    `DELETE FROM crm.webhook_messages WHERE id IN (
       SELECT id FROM crm.webhook_messages
        WHERE status <> 'pending' AND finished_at < $1::timestamptz - make_interval(days => $3::int)
        ORDER BY finished_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED)`,
    [now, limit, days],
  );
  return rowCount ?? 0;
}
