import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Form validator modules compiled for the browser, shared by every server process: the browser compiles
 * through one process and may import the module from another (several workers behind one port).
 * Addressed by the SHA-256 of what they were compiled from; old ones are dropped as new ones come.
 */
export class ValidatorModules1764300001800 implements MigrationInterface {
  name = 'ValidatorModules1764300001800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.validator_modules (
        id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
        code text NOT NULL,
        used_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX validator_modules_used ON crm.validator_modules (used_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE crm.validator_modules');
  }
}
