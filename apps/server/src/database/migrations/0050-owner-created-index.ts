import type { MigrationInterface, QueryRunner } from 'typeorm';

const indexName = (key: string) => `${key}_owner_created`.slice(0, 63).replace(/"/g, '""');

/**
 * Every record table gets an index of its live rows by owner in the records list's default order
 * (`created_at DESC, id DESC`): the first page of one owner's rows — a report cell's customer list, an
 * "own" scope — walks it and stops after the page instead of fetching and sorting all of that owner's
 * rows (72,435 for one customer manager of the benchmark's 300,000 customers). New objects get it from
 * the metadata service. Additive only.
 */
export class OwnerCreatedIndex1764300002900 implements MigrationInterface {
  name = 'OwnerCreatedIndex1764300002900';

  async up(q: QueryRunner): Promise<void> {
    const objects: { key: string }[] = await q.query(`SELECT o.key FROM crm.objects o WHERE to_regclass('crm_data.' || quote_ident(o.key)) IS NOT NULL`);
    for (const { key } of objects) {
      await q.query(`CREATE INDEX IF NOT EXISTS "${indexName(key)}" ON crm_data."${key.replace(/"/g, '""')}" (owner_id, created_at DESC, id DESC) WHERE deleted_at IS NULL`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    const objects: { key: string }[] = await q.query(`SELECT o.key FROM crm.objects o WHERE to_regclass('crm_data.' || quote_ident(o.key)) IS NOT NULL`);
    for (const { key } of objects) await q.query(`DROP INDEX IF EXISTS crm_data."${indexName(key)}"`);
  }
}
