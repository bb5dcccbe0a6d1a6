import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Changes to the rows behind each process's caches are announced on the channel `crm_cache_changed`
 * (delivered at commit), the payload naming the cache: `roles` (permissions), `meta` (the metadata
 * version), `forms` (latest published versions), `wf_triggers` (process triggers) and `org_units`
 * (the org tree). Several server processes — CRM_WORKERS on one machine, or several machines — so
 * drop a stale entry as soon as another process commits, whichever code path made the change.
 */
const WATCHED: [table: string, topic: string][] = [
  ['crm.roles', 'roles'],
  ['crm.forms', 'forms'],
  ['crm.wf_triggers', 'wf_triggers'],
  ['crm.org_units', 'org_units'],
];

export class CacheChangeNotify1764300000117 implements MigrationInterface {
  name = 'CacheChangeNotify1764300000117';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION crm.notify_cache_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('crm_cache_changed', TG_ARGV[0]);
        RETURN NULL;
      END $$`);
    // Statement-level: a bulk change (a directory sync of the org tree) notifies once, not per row.
    for (const [table, topic] of WATCHED) {
      await q.query(`CREATE TRIGGER cache_notify_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION crm.notify_cache_changed('${topic}')`);
    }
    await q.query(`CREATE TRIGGER cache_notify_changed AFTER INSERT OR UPDATE ON crm.settings FOR EACH ROW WHEN (NEW.key = 'meta_version') EXECUTE FUNCTION crm.notify_cache_changed('meta')`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table] of [...WATCHED, ['crm.settings', 'meta']]) await q.query(`DROP TRIGGER cache_notify_changed ON ${table}`);
    await q.query('DROP FUNCTION crm.notify_cache_changed()');
  }
}
