import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Three-way pack upgrades: per installed part of a solution pack (object, field, form, process,
 * decision, trigger, seed record) the fingerprint of what the pack LAST installed, so an upgrade can
 * tell the bank's own changes from the pack's; and the parts the latest install did not apply
 * (changed on both sides, or deleted by the bank). Additive only.
 */
export class PackPartFingerprints1764300000095 implements MigrationInterface {
  name = 'PackPartFingerprints1764300000095';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.pack_parts (
        pack text NOT NULL,
        part text NOT NULL,
        fingerprint text NOT NULL,
        pack_version text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (pack, part)
      )`);
    await q.query(`
      CREATE TABLE crm.pack_conflicts (
        pack text NOT NULL,
        part text NOT NULL,
        reason text NOT NULL CHECK (reason IN ('changed_on_both_sides', 'deleted_by_bank', 'no_baseline')),
        pack_version text NOT NULL,
        base_fingerprint text,
        bank_fingerprint text,
        pack_fingerprint text NOT NULL,
        detected_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (pack, part)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE crm.pack_conflicts');
    await q.query('DROP TABLE crm.pack_parts');
  }
}
