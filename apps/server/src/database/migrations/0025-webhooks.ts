import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound webhooks: subscriptions, the transactional outbox of messages (one row per subscription
 * and event, written in the transaction of the change) and the log of every delivery attempt.
 * Record events are written by the server in the writer's transaction; process and task events by
 * row triggers on crm.wf_instances / crm.wf_tasks, so they join the very statement of a workflow step
 * (the guarded one-statement step included) and roll back with it. A trigger does one indexed look-up
 * of matching subscriptions per changed row and writes nothing when none matches.
 */
export class Webhooks1764300000400 implements MigrationInterface {
  name = 'Webhooks1764300000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.webhook_subscriptions (
        id uuid PRIMARY KEY,
        url text NOT NULL,
        events text[] NOT NULL,
        filter text,
        description text,
        secret_enc text NOT NULL,
        previous_secret_enc text,
        previous_secret_until timestamptz,
        owner_id uuid NOT NULL REFERENCES crm.users(id),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled')),
        disabled_reason text,
        failing_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhook_subscriptions_events ON crm.webhook_subscriptions USING gin (events) WHERE status = 'active'`);
    await q.query(`CREATE INDEX webhook_subscriptions_owner ON crm.webhook_subscriptions (owner_id)`);
    await q.query(`
      CREATE TABLE crm.webhook_messages (
        id text PRIMARY KEY,
        seq bigserial NOT NULL,
        subscription_id uuid NOT NULL REFERENCES crm.webhook_subscriptions(id) ON DELETE CASCADE,
        event text NOT NULL,
        order_key text NOT NULL,
        payload text NOT NULL,
        payload_encrypted boolean NOT NULL DEFAULT false,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','failed','filtered')),
        attempts integer NOT NULL DEFAULT 0,
        last_status_code integer,
        next_attempt_at timestamptz,
        leased_until timestamptz,
        lease_owner text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX webhook_messages_due ON crm.webhook_messages (next_attempt_at, seq) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX webhook_messages_order ON crm.webhook_messages (subscription_id, order_key, seq) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX webhook_messages_log ON crm.webhook_messages (subscription_id, created_at DESC, seq DESC)`);
    await q.query(`CREATE INDEX webhook_messages_finished ON crm.webhook_messages (finished_at) WHERE status <> 'pending'`);
    await q.query(`
      CREATE TABLE crm.webhook_attempts (
        id bigserial PRIMARY KEY,
        message_id text NOT NULL REFERENCES crm.webhook_messages(id) ON DELETE CASCADE,
        at timestamptz NOT NULL,
        status_code integer,
        latency_ms integer NOT NULL,
        error text,
        response_excerpt text
      )`);
    await q.query(`CREATE INDEX webhook_attempts_message ON crm.webhook_attempts (message_id, id)`);
    // Every server process caches the active subscriptions; a change anywhere drops them (topic webhooks).
    await q.query(`CREATE TRIGGER cache_notify_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON crm.webhook_subscriptions FOR EACH STATEMENT EXECUTE FUNCTION crm.notify_cache_changed('webhooks')`);
    await q.query(`
      CREATE FUNCTION crm.webhook_wf_event() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        kinds text[] := '{}';
        kind text;
        data jsonb;
        ord text;
      BEGIN
        IF TG_TABLE_NAME = 'wf_instances' THEN
          IF TG_OP = 'INSERT' THEN kinds := kinds || 'process.started'::text; END IF;
          IF NEW.status = 'completed' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'completed') THEN kinds := kinds || 'process.completed'::text; END IF;
          ord := 'instance:' || NEW.id::text;
          data := jsonb_build_object('instanceId', NEW.id, 'processKey', NEW.definition_key, 'version', NEW.version, 'businessKey', NEW.business_key, 'status', NEW.status, 'parentId', NEW.parent_id);
        ELSE
          IF TG_OP = 'INSERT' THEN kinds := kinds || 'task.created'::text; END IF;
          IF NEW.status = 'completed' AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'completed') THEN kinds := kinds || 'task.completed'::text; END IF;
          ord := 'instance:' || NEW.instance_id::text;
          data := jsonb_build_object('taskId', NEW.id, 'instanceId', NEW.instance_id, 'processKey', NEW.definition_key, 'activityId', NEW.activity_id, 'name', NEW.name, 'assignee', NEW.assignee, 'status', NEW.status, 'completedBy', NEW.completed_by);
        END IF;
        FOREACH kind IN ARRAY kinds LOOP
          INSERT INTO crm.webhook_messages (id, subscription_id, event, order_key, payload, next_attempt_at)
          SELECT 'msg_' || replace(gen_random_uuid()::text, '-', ''), s.id, kind || ':' || NEW.definition_key, ord,
                 jsonb_build_object('type', kind || ':' || NEW.definition_key, 'timestamp', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'data', data)::text,
                 now()
            FROM crm.webhook_subscriptions s
           WHERE s.status = 'active' AND s.events && ARRAY[kind || ':' || NEW.definition_key, kind || ':*'];
        END LOOP;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER webhook_event AFTER INSERT OR UPDATE OF status ON crm.wf_instances FOR EACH ROW EXECUTE FUNCTION crm.webhook_wf_event()`);
    await q.query(`CREATE TRIGGER webhook_event AFTER INSERT OR UPDATE OF status ON crm.wf_tasks FOR EACH ROW EXECUTE FUNCTION crm.webhook_wf_event()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER IF EXISTS webhook_event ON crm.wf_tasks');
    await q.query('DROP TRIGGER IF EXISTS webhook_event ON crm.wf_instances');
    await q.query('DROP FUNCTION IF EXISTS crm.webhook_wf_event()');
    await q.query('DROP TABLE IF EXISTS crm.webhook_attempts');
    await q.query('DROP TABLE IF EXISTS crm.webhook_messages');
    await q.query('DROP TABLE IF EXISTS crm.webhook_subscriptions');
  }
}
