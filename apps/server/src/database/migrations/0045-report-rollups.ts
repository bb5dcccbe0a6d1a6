import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Report rollups: per record object, at most one pre-aggregated table at the grain (org unit, owner)
 * — live rows counted, each numeric field summed (and its non-empty values counted) — that the report
 * engine reads instead of the records when a report's dimensions, filters and drill-down are on that
 * grain and its measures are counts and sums (the caller's row scope applied to the rollup's rows).
 * The registry names the table, its trigger function and the fields it sums; the tables and triggers
 * are made on first use (the record tables belong to the installed metadata). `crm.drop_report_rollup`
 * removes an object's rollup (its triggers go with the function), e.g. before a summed column changes.
 * And every record table gets an index of its live rows by owner and org unit. Additive only.
 */
export class ReportRollups1764300002400 implements MigrationInterface {
  name = 'ReportRollups1764300002400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.report_rollups (
        object_key text PRIMARY KEY,
        id serial UNIQUE NOT NULL,
        fields text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE FUNCTION crm.drop_report_rollup(object text) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE n int;
      BEGIN
        DELETE FROM crm.report_rollups WHERE object_key = object RETURNING id INTO n;
        IF n IS NOT NULL THEN
          EXECUTE format('DROP FUNCTION IF EXISTS crm.%I() CASCADE', 'report_rollup_apply_' || n);
          EXECUTE format('DROP TABLE IF EXISTS crm.%I', 'report_rollup_' || n);
        END IF;
      END $$`);
    // Every record table: its live rows by owner and org unit, index-only (a list total of one owner's
    // rows, an "own" scope); new objects get it from the metadata service.
    const objects: { key: string }[] = await q.query(`SELECT o.key FROM crm.objects o WHERE to_regclass('crm_data.' || quote_ident(o.key)) IS NOT NULL`);
    for (const { key } of objects) {
      const name = `${key}_owner_live`.slice(0, 63).replace(/"/g, '""');
      await q.query(`CREATE INDEX IF NOT EXISTS "${name}" ON crm_data."${key.replace(/"/g, '""')}" (owner_id, org_unit_id) WHERE deleted_at IS NULL`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    const objects: { key: string }[] = await q.query(`SELECT o.key FROM crm.objects o WHERE to_regclass('crm_data.' || quote_ident(o.key)) IS NOT NULL`);
    for (const { key } of objects) await q.query(`DROP INDEX IF EXISTS crm_data."${`${key}_owner_live`.slice(0, 63).replace(/"/g, '""')}"`);
    await q.query(`SELECT crm.drop_report_rollup(object_key) FROM crm.report_rollups`);
    await q.query('DROP FUNCTION crm.drop_report_rollup(text)');
    await q.query('DROP TABLE crm.report_rollups');
  }
}
