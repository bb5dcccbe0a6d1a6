import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Saved list views: a user's named filter, sort, columns and view type (list, kanban by a select field,
 * calendar by a date field) of one object, personal or shared with roles. Additive only.
 */
export class SavedViews1764300001500 implements MigrationInterface {
  name = 'SavedViews1764300001500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.saved_views (
        id uuid PRIMARY KEY,
        object_key text NOT NULL CHECK (object_key ~ '^[a-z][a-z0-9_]{0,62}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        owner_id uuid NOT NULL REFERENCES crm.users(id) ON DELETE CASCADE,
        roles text[] NOT NULL DEFAULT '{}',
        definition jsonb NOT NULL,
        version int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX saved_views_owner ON crm.saved_views (owner_id, object_key)`);
    await q.query(`CREATE INDEX saved_views_roles ON crm.saved_views USING gin (roles)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE crm.saved_views');
  }
}
