/**
 * The local sanctions / watch list the AML screening reads. Databases from earlier releases got it
 * (as crm.wf_sanctions, seeded) from a platform migration: the pack takes that table over as it is
 * — the bank's own entries and deletions kept, nothing re-seeded. A new database gets it seeded.
 */
import type { PoolClient } from 'pg';
import type { PackMigration } from '../../solution-pack.js';

export const sanctionsMigration: PackMigration = {
  id: '0001-sanctions',
  async up(c: PoolClient): Promise<void> {
    const { rows } = await c.query<{ old: string | null }>(`SELECT to_regclass('crm.wf_sanctions')::text AS old`);
    if (rows[0]?.old) {
      await c.query('ALTER TABLE crm.wf_sanctions RENAME TO bank_sanctions');
      await c.query('ALTER INDEX IF EXISTS crm.wf_sanctions_name RENAME TO bank_sanctions_name');
      await c.query('ALTER INDEX IF EXISTS crm.wf_sanctions_id_number RENAME TO bank_sanctions_id_number');
      const pkey = await c.query(`SELECT 1 FROM pg_constraint WHERE conname = 'wf_sanctions_pkey' AND conrelid = 'crm.bank_sanctions'::regclass`);
      if (pkey.rowCount) await c.query('ALTER TABLE crm.bank_sanctions RENAME CONSTRAINT wf_sanctions_pkey TO bank_sanctions_pkey');
      return;
    }
    await c.query(`
      CREATE TABLE crm.bank_sanctions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        list text NOT NULL,
        name text NOT NULL,
        id_number text,
        reason text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await c.query(`CREATE INDEX bank_sanctions_name ON crm.bank_sanctions (lower(regexp_replace(name, '\\s', '', 'g')))`);
    await c.query(`CREATE INDEX bank_sanctions_id_number ON crm.bank_sanctions (upper(id_number))`);
    await c.query(`
      INSERT INTO crm.bank_sanctions (list, name, id_number, reason) VALUES
        ('UN-1267', 'Osama Example', NULL, 'UN Security Council consolidated list (sample entry)'),
        ('OFAC-SDN', 'Ivan Testovich Petrov', 'P1234567', 'OFAC SDN list (sample entry)'),
        ('CN-MPS', '张制裁', '110101199003076496', '公安部通缉名单（示例数据）'),
        ('CN-PBOC', '李洗钱', '310101198506152211', '人民银行反洗钱监测名单（示例数据）'),
        ('INTERNAL', '王黑名单', NULL, '行内黑名单（示例数据）')`);
  },
};
