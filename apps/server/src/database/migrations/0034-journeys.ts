import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Business events and journeys. `business_events` keeps every accepted `POST /api/events` (written in
 * the transaction that enters journeys and correlates messages because of it; a repeat with the
 * same Idempotency-Key finds its row). `journeys` are definitions; `journey_entries` one row per
 * customer entry (its process instance, A/B variant and source) — the re-entry rules read it;
 * `journey_contacts` every contact step, sent or skipped by the contact gates with the reason.
 * Additive only.
 */
export class Journeys1764300001300 implements MigrationInterface {
  name = 'Journeys1764300001300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.business_events (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        customer_id uuid,
        customer_key text,
        payload jsonb NOT NULL DEFAULT '{}'::jsonb,
        posted_by uuid NOT NULL,
        idempotency_key text,
        received_at timestamptz NOT NULL DEFAULT now(),
        journeys_entered integer NOT NULL DEFAULT 0,
        correlated integer NOT NULL DEFAULT 0
      )`);
    await q.query('CREATE UNIQUE INDEX business_events_idem ON crm.business_events (posted_by, idempotency_key) WHERE idempotency_key IS NOT NULL');
    await q.query('CREATE INDEX business_events_name ON crm.business_events (name, received_at DESC)');
    await q.query('CREATE INDEX business_events_customer ON crm.business_events (customer_id, received_at DESC)');
    await q.query(`
      CREATE TABLE crm.journeys (
        key text PRIMARY KEY,
        name text NOT NULL,
        description text,
        process_key text NOT NULL,
        object text NOT NULL DEFAULT 'customer',
        entry jsonb NOT NULL,
        reentry jsonb NOT NULL DEFAULT '{"mode":"once"}'::jsonb,
        split jsonb,
        goals text[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused')),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz,
        activated_by uuid
      )`);
    await q.query(`CREATE INDEX journeys_active_entry ON crm.journeys ((entry->>'kind')) WHERE status = 'active'`);
    await q.query(`
      CREATE TABLE crm.journey_entries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        journey_key text NOT NULL REFERENCES crm.journeys(key) ON DELETE CASCADE,
        customer_id uuid NOT NULL,
        instance_id uuid NOT NULL,
        variant text,
        source text NOT NULL CHECK (source IN ('event', 'record', 'segment')),
        event_id uuid,
        entered_at timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX journey_entries_customer ON crm.journey_entries (journey_key, customer_id, entered_at DESC)');
    await q.query('CREATE UNIQUE INDEX journey_entries_instance ON crm.journey_entries (instance_id)');
    await q.query(`
      CREATE TABLE crm.journey_contacts (
        id bigserial PRIMARY KEY,
        journey_key text NOT NULL,
        instance_id uuid NOT NULL,
        customer_id uuid NOT NULL,
        activity_id text NOT NULL,
        job_id text NOT NULL,
        channel text NOT NULL,
        status text NOT NULL CHECK (status IN ('sent', 'skipped')),
        reason text,
        content text,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    // A retried service job records its contact once.
    await q.query('CREATE UNIQUE INDEX journey_contacts_job ON crm.journey_contacts (job_id)');
    await q.query('CREATE INDEX journey_contacts_journey ON crm.journey_contacts (journey_key, status)');
    await q.query('CREATE INDEX journey_contacts_customer ON crm.journey_contacts (customer_id, at DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE crm.journey_contacts, crm.journey_entries, crm.journeys, crm.business_events');
  }
}
