import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Single sign-on settings kept in the database (set from the admin screen; they take the place of the
 * CRM_LDAP_* / CRM_OIDC_* variables while a row exists): one row per kind, its non-secret settings as
 * JSON, its secret (the LDAP service password, the OIDC client secret) encrypted with the data key.
 * Every process hears of a change through the `sso` cache topic. And the run history of connectors:
 * one row per test or run (outcome, latency, a short summary; never a secret). Additive only.
 */
export class IntegrationSettings1764300002300 implements MigrationInterface {
  name = 'IntegrationSettings1764300002300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.sso_settings (
        kind text PRIMARY KEY CHECK (kind IN ('ldap', 'oidc')),
        enabled boolean NOT NULL,
        config jsonb NOT NULL,
        secret_enc text,
        updated_by uuid REFERENCES crm.users(id) ON DELETE SET NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE TRIGGER cache_notify_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON crm.sso_settings FOR EACH STATEMENT EXECUTE FUNCTION crm.notify_cache_changed('sso')`);
    await q.query(`
      CREATE TABLE crm.connector_runs (
        id bigserial PRIMARY KEY,
        connector_id uuid NOT NULL REFERENCES crm.connectors(id) ON DELETE CASCADE,
        action text NOT NULL CHECK (action IN ('test', 'run')),
        ok boolean NOT NULL,
        latency_ms integer NOT NULL,
        message text NOT NULL,
        run_by uuid REFERENCES crm.users(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX connector_runs_recent ON crm.connector_runs (connector_id, created_at DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE crm.connector_runs');
    await q.query('DROP TABLE crm.sso_settings');
  }
}
