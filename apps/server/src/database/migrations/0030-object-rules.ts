import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An object's validation rules (enforced by the server on every create and update) and the published
 * forms its 新建 / 编辑 pages use. Additive only: existing objects get no rules and no default forms.
 */
export class ObjectRules1764300000900 implements MigrationInterface {
  name = 'ObjectRules1764300000900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE crm.objects ADD COLUMN rules jsonb NOT NULL DEFAULT '[]'::jsonb`);
    await q.query(`ALTER TABLE crm.objects ADD COLUMN default_forms jsonb NOT NULL DEFAULT '{}'::jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE crm.objects DROP COLUMN default_forms');
    await q.query('ALTER TABLE crm.objects DROP COLUMN rules');
  }
}
