import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change to a user row is announced on the channel `crm_user_changed` (delivered at commit),
 * so each server process drops its cached copy of that user at once: a disabled user's tokens stop
 * working on every node, not only on the one that disabled them.
 */
export class UserChangeNotify1764300000006 implements MigrationInterface {
  name = 'UserChangeNotify1764300000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION crm.notify_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('crm_user_changed', COALESCE(OLD.id, NEW.id)::text);
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER users_notify_changed AFTER UPDATE OR DELETE ON crm.users FOR EACH ROW EXECUTE FUNCTION crm.notify_user_changed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER users_notify_changed ON crm.users');
    await q.query('DROP FUNCTION crm.notify_user_changed()');
  }
}
