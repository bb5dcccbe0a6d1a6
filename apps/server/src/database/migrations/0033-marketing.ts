import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Marketing: the contact gates' settings, do-not-disturb list and contacts ledger (every marketing
 * contact of every campaign and journey, so the frequency caps count them all), campaigns, their
 * members (one row per customer: group, status, exclusion reason, the customer manager's call task),
 * responses, and the outbox of channel messages. Additive only.
 */
export class Marketing1764300001200 implements MigrationInterface {
  name = 'Marketing1764300001200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.marketing_settings (
        id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        settings jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        updated_by uuid
      );
      CREATE TABLE crm.marketing_dnd (
        customer_id uuid NOT NULL,
        channel text NOT NULL DEFAULT '*',
        reason text,
        until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by uuid,
        PRIMARY KEY (customer_id, channel)
      );
      CREATE TABLE crm.marketing_contacts (
        id bigserial PRIMARY KEY,
        customer_id uuid NOT NULL,
        channel text NOT NULL,
        source_kind text NOT NULL,
        source_id text NOT NULL,
        at timestamptz NOT NULL
      );
      CREATE INDEX marketing_contacts_customer_at ON crm.marketing_contacts (customer_id, at);
      CREATE TABLE crm.campaigns (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'pending_approval', 'launching', 'active', 'completed', 'rejected', 'failed')),
        spec jsonb NOT NULL,
        budget numeric(20, 2),
        cost numeric(20, 2),
        value_per_conversion numeric(20, 2),
        org_unit_id uuid,
        owner_id uuid,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        launched_at timestamptz,
        job_id text,
        approval_instance_id text,
        version integer NOT NULL DEFAULT 1
      );
      CREATE TABLE crm.campaign_members (
        campaign_id uuid NOT NULL REFERENCES crm.campaigns (id) ON DELETE CASCADE,
        customer_id uuid NOT NULL,
        owner_id uuid,
        org_unit_id uuid,
        grp text NOT NULL CHECK (grp IN ('target', 'control')),
        status text NOT NULL CHECK (status IN ('pending', 'planned', 'contacted', 'responded', 'converted', 'excluded')),
        reason text,
        channels text[] NOT NULL DEFAULT '{}',
        task_status text CHECK (task_status IN ('open', 'done')),
        response text,
        responded_at timestamptz,
        converted_at timestamptz,
        conversion_record_id uuid,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (campaign_id, customer_id)
      );
      CREATE INDEX campaign_members_status ON crm.campaign_members (campaign_id, status, customer_id);
      CREATE INDEX campaign_members_customer ON crm.campaign_members (customer_id);
      CREATE INDEX campaign_members_task ON crm.campaign_members (owner_id, task_status) WHERE task_status = 'open';
      CREATE TABLE crm.campaign_responses (
        id bigserial PRIMARY KEY,
        campaign_id uuid NOT NULL REFERENCES crm.campaigns (id) ON DELETE CASCADE,
        customer_id uuid NOT NULL,
        response text NOT NULL,
        channel text,
        by_user uuid,
        at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX campaign_responses_member ON crm.campaign_responses (campaign_id, customer_id);
      CREATE TABLE crm.marketing_outbox (
        id bigserial PRIMARY KEY,
        source_kind text NOT NULL,
        source_id text NOT NULL,
        customer_id uuid NOT NULL,
        channel text NOT NULL,
        body text NOT NULL DEFAULT '',
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'cancelled', 'failed')),
        reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      );
      CREATE INDEX marketing_outbox_queued ON crm.marketing_outbox (id) WHERE status = 'queued';
      CREATE INDEX marketing_outbox_customer ON crm.marketing_outbox (customer_id) WHERE status = 'queued';
      CREATE INDEX marketing_outbox_source ON crm.marketing_outbox (source_kind, source_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS crm.marketing_outbox, crm.campaign_responses, crm.campaign_members, crm.campaigns, crm.marketing_contacts, crm.marketing_dnd, crm.marketing_settings`);
  }
}
