import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reports as versioned metadata: one row per report key (its object and latest version) and one
 * immutable row per saved version, so a run and its cache entry name the exact definition. The
 * function `crm.notify_records_changed` announces, at commit, which record table a statement
 * changed (channel `crm_records_changed`): the report cache attaches it to the tables it reads
 * (statement-level triggers) and drops what those changes make stale. Additive only.
 */
export class Reports1764300000110 implements MigrationInterface {
  name = 'Reports1764300000110';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.reports (
        key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
        object_key text NOT NULL,
        latest_version int NOT NULL CHECK (latest_version >= 1),
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE crm.report_versions (
        report_key text NOT NULL REFERENCES crm.reports(key) ON DELETE CASCADE,
        version int NOT NULL CHECK (version >= 1),
        definition jsonb NOT NULL,
        saved_by uuid,
        saved_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (report_key, version)
      )`);
    await q.query(`CREATE INDEX reports_object ON crm.reports (object_key)`);
    await q.query(`
      CREATE FUNCTION crm.notify_records_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('crm_records_changed', TG_TABLE_NAME);
        RETURN NULL;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION crm.notify_records_changed() CASCADE');
    await q.query('DROP TABLE crm.report_versions');
    await q.query('DROP TABLE crm.reports');
  }
}
