import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dashboards, versioned like reports: one row per dashboard key (its latest version and the roles it is
 * shared with, for the workbench's lookup) and one immutable row per saved version. Additive only.
 */
export class Dashboards1764300000220 implements MigrationInterface {
  name = 'Dashboards1764300000220';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.dashboards (
        key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
        latest_version int NOT NULL CHECK (latest_version >= 1),
        roles text[] NOT NULL DEFAULT '{}',
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE crm.dashboard_versions (
        dashboard_key text NOT NULL REFERENCES crm.dashboards(key) ON DELETE CASCADE,
        version int NOT NULL CHECK (version >= 1),
        definition jsonb NOT NULL,
        saved_by uuid,
        saved_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (dashboard_key, version)
      )`);
    await q.query(`CREATE INDEX dashboards_roles ON crm.dashboards USING gin (roles)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE crm.dashboard_versions');
    await q.query('DROP TABLE crm.dashboards');
  }
}
