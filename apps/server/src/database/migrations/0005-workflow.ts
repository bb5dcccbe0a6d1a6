import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Workflow: deployed definitions (BPMN, DMN), the runtime (instances, user tasks, event subscriptions,
 * jobs, incidents) and, apart from it, the history of every step. Runtime rows are deleted or closed
 * as instances move on; history is append-only.
 */
export class Workflow0005 implements MigrationInterface {
  name = 'Workflow1764300000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.wf_definitions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
        version integer NOT NULL,
        name text,
        xml text NOT NULL,
        model jsonb NOT NULL,
        -- start events other than the none start: [{ id, kind: message|signal|timer, name }]
        starts jsonb NOT NULL DEFAULT '[]',
        deployed_by uuid REFERENCES crm.users(id),
        deployed_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (key, version)
      )`);
    await q.query(`
      CREATE TABLE crm.wf_decisions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL,
        version integer NOT NULL,
        name text,
        decision_ids text[] NOT NULL,
        xml text NOT NULL,
        model jsonb NOT NULL,
        deployed_by uuid REFERENCES crm.users(id),
        deployed_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (key, version)
      )`);
    await q.query(`CREATE INDEX wf_decisions_ids ON crm.wf_decisions USING gin (decision_ids)`);
    await q.query(`
      CREATE TABLE crm.wf_instances (
        id uuid PRIMARY KEY,
        definition_id uuid NOT NULL REFERENCES crm.wf_definitions(id),
        definition_key text NOT NULL,
        version integer NOT NULL,
        business_key text,
        status text NOT NULL CHECK (status IN ('active','completed','terminated','incident')),
        state jsonb NOT NULL,
        rev integer NOT NULL DEFAULT 1,
        initiator text,
        parent_id uuid REFERENCES crm.wf_instances(id),
        parent_call_id text,
        started_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        ended_at timestamptz
      )`);
    await q.query(`CREATE INDEX wf_instances_def ON crm.wf_instances (definition_key, status, started_at DESC)`);
    await q.query(`CREATE INDEX wf_instances_status ON crm.wf_instances (status, started_at DESC)`);
    await q.query(`CREATE INDEX wf_instances_parent ON crm.wf_instances (parent_id) WHERE parent_id IS NOT NULL`);
    await q.query(`CREATE INDEX wf_instances_business_key ON crm.wf_instances (business_key) WHERE business_key IS NOT NULL`);
    await q.query(`
      CREATE TABLE crm.wf_tasks (
        id text PRIMARY KEY,
        instance_id uuid NOT NULL REFERENCES crm.wf_instances(id),
        definition_key text NOT NULL,
        activity_id text NOT NULL,
        name text,
        assignee text,
        candidate_groups text[] NOT NULL DEFAULT '{}',
        candidate_org_units text[] NOT NULL DEFAULT '{}',
        exclude_users text[] NOT NULL DEFAULT '{}',
        form_key text,
        due_at timestamptz,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','completed','cancelled')),
        created_at timestamptz NOT NULL,
        claimed_at timestamptz,
        ended_at timestamptz,
        completed_by text
      )`);
    await q.query(`CREATE INDEX wf_tasks_open_assignee ON crm.wf_tasks (assignee, created_at) WHERE status = 'open'`);
    await q.query(`CREATE INDEX wf_tasks_open_groups ON crm.wf_tasks USING gin (candidate_groups) WHERE status = 'open'`);
    await q.query(`CREATE INDEX wf_tasks_open_units ON crm.wf_tasks USING gin (candidate_org_units) WHERE status = 'open'`);
    await q.query(`CREATE INDEX wf_tasks_open_created ON crm.wf_tasks (created_at) WHERE status = 'open'`);
    await q.query(`CREATE INDEX wf_tasks_instance ON crm.wf_tasks (instance_id)`);
    await q.query(`
      CREATE TABLE crm.wf_subscriptions (
        id text PRIMARY KEY,
        instance_id uuid NOT NULL REFERENCES crm.wf_instances(id),
        kind text NOT NULL CHECK (kind IN ('message','signal')),
        name text NOT NULL,
        correlation_key text,
        activity_id text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX wf_subscriptions_name ON crm.wf_subscriptions (kind, name, correlation_key)`);
    await q.query(`CREATE INDEX wf_subscriptions_instance ON crm.wf_subscriptions (instance_id)`);
    // Timers, service calls and asynchronous continuations. Taken with FOR UPDATE SKIP LOCKED and a lease.
    await q.query(`
      CREATE TABLE crm.wf_jobs (
        id text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('timer','service','message','signal','call-completed')),
        instance_id uuid REFERENCES crm.wf_instances(id),
        activity_id text,
        due_at timestamptz NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}',
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL DEFAULT 3,
        last_error text,
        lease_owner text,
        lease_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX wf_jobs_due ON crm.wf_jobs (due_at)`);
    await q.query(`CREATE INDEX wf_jobs_instance ON crm.wf_jobs (instance_id)`);
    await q.query(`
      CREATE TABLE crm.wf_incidents (
        id text PRIMARY KEY,
        instance_id uuid NOT NULL REFERENCES crm.wf_instances(id),
        activity_id text NOT NULL,
        kind text NOT NULL DEFAULT 'engine' CHECK (kind IN ('engine','job','call')),
        message text NOT NULL,
        job_id text,
        payload jsonb,
        created_at timestamptz NOT NULL,
        resolved_at timestamptz,
        resolved_by text
      )`);
    await q.query(`CREATE INDEX wf_incidents_open ON crm.wf_incidents (created_at) WHERE resolved_at IS NULL`);
    await q.query(`CREATE INDEX wf_incidents_instance ON crm.wf_incidents (instance_id)`);
    // History: one row per step event (start, end, cancel, incident) of every element instance.
    await q.query(`
      CREATE TABLE crm.wf_history (
        seq bigserial PRIMARY KEY,
        instance_id uuid NOT NULL,
        element_instance_id text NOT NULL,
        activity_id text NOT NULL,
        type text NOT NULL,
        event text NOT NULL CHECK (event IN ('start','end','cancel','incident')),
        by text,
        at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX wf_history_instance ON crm.wf_history (instance_id, seq)`);
    await q.query(`
      CREATE TABLE crm.wf_triggers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        process_key text NOT NULL,
        source text NOT NULL CHECK (source IN ('record','form')),
        object text,
        form_key text,
        "on" text NOT NULL CHECK ("on" IN ('created','updated','submitted')),
        condition text,
        created_by uuid REFERENCES crm.users(id),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX wf_triggers_object ON crm.wf_triggers (object, "on")`);
    await q.query(`CREATE INDEX wf_triggers_form ON crm.wf_triggers (form_key)`);
    // The local sanctions list this migration created in earlier releases belongs to the bank pack's
    // own migrations now, which take over the table where a database already has it.
    // Round-robin assignment: the last user picked per (role, org unit).
    await q.query(`
      CREATE TABLE crm.wf_round_robin (
        role text NOT NULL,
        org_unit text NOT NULL,
        last_username text NOT NULL,
        PRIMARY KEY (role, org_unit)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS crm.wf_sanctions;
      DROP TABLE crm.wf_round_robin, crm.wf_triggers, crm.wf_history, crm.wf_incidents,
      crm.wf_jobs, crm.wf_subscriptions, crm.wf_tasks, crm.wf_instances, crm.wf_decisions, crm.wf_definitions`);
  }
}
