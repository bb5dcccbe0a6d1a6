/**
 * History time-to-live of finished process instances (like Camunda's historyTimeToLive): one bounded
 * batch deletes the oldest instances that ended longer ago than their definition's time-to-live,
 * together with their history, tasks, subscriptions, jobs and incidents, in one statement. Running
 * instances, and finished ones still tied to a running parent or to a child kept for longer, stay.
 */
import type { Queryable } from '../database/db.js';

export interface HistoryTtl {
  /** Days for definitions without their own setting; null keeps them forever. */
  defaultDays: number | null;
  /** Per process definition key; a null value keeps that definition's instances forever. */
  perDefinition: Map<string, number | null>;
}

export async function purgeFinishedInstances(c: Queryable, now: Date, limit: number, ttl: HistoryTtl): Promise<number> {
  const keys = [...ttl.perDefinition.keys()];
  const days = keys.map((k) => ttl.perDefinition.get(k) ?? null);
  const { rowCount } = await c.query(
    `WITH victims AS (
       SELECT i.id FROM crm.wf_instances i
       LEFT JOIN unnest($4::text[], $5::int[]) AS o(key, days) ON o.key = i.definition_key
       WHERE i.status IN ('completed','terminated')
         AND i.ended_at < $1::timestamptz - make_interval(days => CASE WHEN o.key IS NOT NULL THEN o.days ELSE $3::int END)
         AND NOT EXISTS (SELECT 1 FROM crm.wf_instances ch WHERE ch.parent_id = i.id)
         AND NOT EXISTS (SELECT 1 FROM crm.wf_instances pa WHERE pa.id = i.parent_id AND pa.status NOT IN ('completed','terminated'))
       ORDER BY i.ended_at
       LIMIT $2
       FOR UPDATE OF i SKIP LOCKED
     ),
     h AS (DELETE FROM crm.wf_history WHERE instance_id IN (SELECT id FROM victims)),
     t AS (DELETE FROM crm.wf_tasks WHERE instance_id IN (SELECT id FROM victims)),
     s AS (DELETE FROM crm.wf_subscriptions WHERE instance_id IN (SELECT id FROM victims)),
     j AS (DELETE FROM crm.wf_jobs WHERE instance_id IN (SELECT id FROM victims)),
     n AS (DELETE FROM crm.wf_incidents WHERE instance_id IN (SELECT id FROM victims))
     DELETE FROM crm.wf_instances WHERE id IN (SELECT id FROM victims)`,
    [now, limit, ttl.defaultDays, keys, days],
  );
  return rowCount ?? 0;
}
