import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The notification centre: a bounded inbox per user (the latest 200 are kept), written by the
 * database itself when a task is created for someone (assigned, or claimable through their roles or
 * org units), handed over to someone else, or when a background job they started finishes — so every
 * path that creates tasks or finishes jobs notifies, in the same transaction. Each new row is announced
 * on `crm_notification` (delivered at commit to every server process, which pushes it to that user's
 * open streams). SLA warnings are written by the server's sweep, once per task and level
 * (`wf_tasks.sla_notified`). Stream tickets: short-lived, single-use, stored as a hash.
 */
export class Notifications1764300001600 implements MigrationInterface {
  name = 'Notifications1764300001600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigserial NOT NULL,
        user_id uuid NOT NULL REFERENCES crm.users(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('task.assigned', 'task.candidate', 'task.sla_near', 'task.sla_over', 'job.done', 'job.failed')),
        ref text NOT NULL,
        title text NOT NULL,
        due_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz
      )`);
    await q.query(`CREATE INDEX notifications_user_seq ON crm.notifications (user_id, seq DESC)`);
    await q.query(`CREATE INDEX notifications_unread ON crm.notifications (user_id) WHERE read_at IS NULL`);
    await q.query(`
      CREATE TABLE crm.notification_tickets (
        hash text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES crm.users(id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`ALTER TABLE crm.wf_tasks ADD COLUMN sla_notified text CHECK (sla_notified IN ('near', 'over'))`);
    await q.query(`CREATE INDEX wf_tasks_open_due ON crm.wf_tasks (due_at) WHERE status = 'open' AND due_at IS NOT NULL`);

    // Who a task waits for: its assignee, else its candidates by role or org unit (a unit names the
    // unit or any unit above the user's, by id or code), never an excluded user; bounded.
    await q.query(`
      CREATE FUNCTION crm.task_recipients(p_assignee text, p_groups text[], p_units text[], p_excluded text[])
      RETURNS TABLE (user_id uuid) LANGUAGE sql STABLE AS $$
        SELECT u.id FROM crm.users u
         WHERE NOT u.disabled
           AND CASE WHEN p_assignee IS NOT NULL THEN u.username = p_assignee OR u.id::text = p_assignee
               ELSE (u.roles && p_groups
                     OR (cardinality(p_units) > 0 AND EXISTS (
                       SELECT 1 FROM crm.org_units me JOIN crm.org_units x ON x.id = ANY(me.path)
                        WHERE me.id = u.org_unit_id AND (x.id::text = ANY(p_units) OR x.code = ANY(p_units)))))
                    AND NOT (u.username = ANY(p_excluded) OR u.id::text = ANY(p_excluded))
               END
         ORDER BY u.id LIMIT 1000
      $$`);
    await q.query(`
      CREATE FUNCTION crm.notify_task() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status <> 'open' THEN RETURN NULL; END IF;
        -- A claim is the user's own act: only a new task or a handover to someone else notifies.
        IF TG_OP = 'UPDATE' AND (NEW.assignee IS NULL OR NEW.assignee IS NOT DISTINCT FROM OLD.assignee OR NEW.claimed_at IS DISTINCT FROM OLD.claimed_at) THEN
          RETURN NULL;
        END IF;
        INSERT INTO crm.notifications (user_id, kind, ref, title, due_at)
        SELECT r.user_id, CASE WHEN NEW.assignee IS NULL THEN 'task.candidate' ELSE 'task.assigned' END, NEW.id,
               coalesce(NEW.name, NEW.activity_id), NEW.due_at
          FROM crm.task_recipients(NEW.assignee, NEW.candidate_groups, NEW.candidate_org_units, NEW.exclude_users) r;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER wf_tasks_notify_new AFTER INSERT ON crm.wf_tasks FOR EACH ROW EXECUTE FUNCTION crm.notify_task()`);
    await q.query(`CREATE TRIGGER wf_tasks_notify_handover AFTER UPDATE OF assignee ON crm.wf_tasks FOR EACH ROW EXECUTE FUNCTION crm.notify_task()`);
    await q.query(`
      CREATE FUNCTION crm.notify_job_finished() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status IN ('done', 'failed') AND OLD.status IS DISTINCT FROM NEW.status AND NEW.created_by IS NOT NULL THEN
          INSERT INTO crm.notifications (user_id, kind, ref, title)
          SELECT u.id, 'job.' || NEW.status, NEW.id::text, NEW.kind FROM crm.users u WHERE u.id = NEW.created_by;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER jobs_notify_finished AFTER UPDATE OF status ON crm.jobs FOR EACH ROW EXECUTE FUNCTION crm.notify_job_finished()`);
    // Announce each new notification and keep each user's latest 200.
    await q.query(`
      CREATE FUNCTION crm.notification_added() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('crm_notification', NEW.user_id::text);
        DELETE FROM crm.notifications WHERE id IN (
          SELECT id FROM crm.notifications WHERE user_id = NEW.user_id ORDER BY seq DESC OFFSET 200);
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER notifications_added AFTER INSERT ON crm.notifications FOR EACH ROW EXECUTE FUNCTION crm.notification_added()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER jobs_notify_finished ON crm.jobs');
    await q.query('DROP TRIGGER wf_tasks_notify_handover ON crm.wf_tasks');
    await q.query('DROP TRIGGER wf_tasks_notify_new ON crm.wf_tasks');
    await q.query('DROP FUNCTION crm.notify_job_finished(), crm.notify_task(), crm.task_recipients(text, text[], text[], text[])');
    await q.query('DROP TABLE crm.notification_tickets, crm.notifications');
    await q.query('DROP FUNCTION crm.notification_added()');
    await q.query('DROP INDEX crm.wf_tasks_open_due');
    await q.query('ALTER TABLE crm.wf_tasks DROP COLUMN sla_notified');
  }
}
