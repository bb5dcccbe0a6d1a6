import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention: per-target (and, for process history, per process definition key) time-to-live
 * overrides of the CRM_RETENTION_* defaults, read by the housekeeping job. `scope` is '*' for the
 * whole target or a process definition key; `ttl_days` NULL means keep forever. Targets are plain
 * text so logs added later (webhook deliveries, import results) join without a schema change.
 */
export class Retention1764300000014 implements MigrationInterface {
  name = 'Retention1764300000014';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.retention_policies (
        target text NOT NULL CHECK (target ~ '^[a-z][a-z0-9_]{0,62}$'),
        scope text NOT NULL DEFAULT '*' CHECK (length(scope) BETWEEN 1 AND 200),
        ttl_days integer CHECK (ttl_days BETWEEN 0 AND 36500),
        updated_by uuid REFERENCES crm.users(id),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (target, scope)
      )`);
    // Finished instances are found by their end time without scanning the running ones.
    await q.query(`CREATE INDEX wf_instances_ended ON crm.wf_instances (ended_at) WHERE status IN ('completed','terminated')`);
    await q.query(`CREATE INDEX login_attempts_updated ON crm.login_attempts (updated_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX crm.login_attempts_updated');
    await q.query('DROP INDEX crm.wf_instances_ended');
    await q.query('DROP TABLE crm.retention_policies');
  }
}
