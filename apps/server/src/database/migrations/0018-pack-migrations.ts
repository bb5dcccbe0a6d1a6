import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Solution packs own tables of their own (the bank pack's sanctions list, …) and migrate them with
 * their own ordered steps; this records which step of which pack ran, so each runs once.
 */
export class PackMigrations1764300000090 implements MigrationInterface {
  name = 'PackMigrations1764300000090';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.pack_migrations (
        pack text NOT NULL CHECK (pack ~ '^[a-z][a-z0-9-]{0,62}$'),
        id text NOT NULL CHECK (length(id) BETWEEN 1 AND 200),
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (pack, id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE crm.pack_migrations');
  }
}
