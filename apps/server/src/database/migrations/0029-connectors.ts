import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Connectors to bank systems: one row per named definition (its kind, its non-secret config, its
 * secrets encrypted with the data key, and the user whose rights its runs write with), the state of
 * an incremental pull (watermark and last key, moved in the same transaction as the batch it covers),
 * and per-minute send counters shared by every server process (rate limits of WeCom and SMS).
 * Additive only.
 */
export class Connectors1764300000800 implements MigrationInterface {
  name = 'Connectors1764300000800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.connectors (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key text NOT NULL UNIQUE,
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('http', 'sql-pull', 'wecom', 'sms')),
        config jsonb NOT NULL,
        secrets_enc text,
        secret_names text[] NOT NULL DEFAULT '{}',
        owner_id uuid REFERENCES crm.users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE crm.connector_state (
        connector_id uuid PRIMARY KEY REFERENCES crm.connectors(id) ON DELETE CASCADE,
        watermark text,
        last_key text,
        last_run_at timestamptz,
        last_result jsonb
      )`);
    await q.query(`
      CREATE TABLE crm.connector_sends (
        connector_id uuid NOT NULL REFERENCES crm.connectors(id) ON DELETE CASCADE,
        window_start timestamptz NOT NULL,
        sent integer NOT NULL DEFAULT 0,
        PRIMARY KEY (connector_id, window_start)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE crm.connector_sends');
    await q.query('DROP TABLE crm.connector_state');
    await q.query('DROP TABLE crm.connectors');
  }
}
