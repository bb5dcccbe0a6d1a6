import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each user's inbox keeps its latest 200 notifications. The trim used to run on every insert as
 * `DELETE … WHERE id IN (SELECT id … ORDER BY seq DESC OFFSET 200)`, which the planner answered with a
 * semi-join over a scan of every user's notifications: 7.5 ms for every task created (pg_stat_statements
 * in the workflow benchmark, three quarters of a task completion's database time). Any exact trim has to
 * walk the user's index range down to its end, through the entries of rows deleted earlier and not yet
 * vacuumed (a range delete still took 3.7 ms). So the trim runs for one insert in 32 (by the global
 * `seq`) and then deletes by a range on the (user_id, seq DESC) index below the 200th newest row: an
 * inbox holds its latest 200 plus what arrived since its last trim (31 on average).
 */
export class NotificationTrim1764300002800 implements MigrationInterface {
  name = 'NotificationTrim1764300002800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION crm.notification_added() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE keep_from bigint;
      BEGIN
        PERFORM pg_notify('crm_notification', NEW.user_id::text);
        IF NEW.seq % 32 <> 0 THEN RETURN NULL; END IF;
        SELECT seq INTO keep_from FROM crm.notifications WHERE user_id = NEW.user_id ORDER BY seq DESC OFFSET 199 LIMIT 1;
        IF keep_from IS NOT NULL THEN
          DELETE FROM crm.notifications WHERE user_id = NEW.user_id AND seq < keep_from;
        END IF;
        RETURN NULL;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION crm.notification_added() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('crm_notification', NEW.user_id::text);
        DELETE FROM crm.notifications WHERE id IN (
          SELECT id FROM crm.notifications WHERE user_id = NEW.user_id ORDER BY seq DESC OFFSET 200);
        RETURN NULL;
      END $$`);
  }
}
