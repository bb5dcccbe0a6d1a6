import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Credentials nobody can take over: technical (service) accounts that hold API keys but never log in
 * with a password; a per-user token generation that a password reset or change bumps (so tokens issued
 * before it die even within the same second); a flag that restricts a user to changing a temporary
 * password; and four-eyes requests (a reset of a security or audit duty holder, a grant of those
 * duties) that stay pending until a second person of another duty approves them.
 */
export class AuthDuties1764300000071 implements MigrationInterface {
  name = 'AuthDuties1764300000071';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE crm.users
        ADD COLUMN service_account boolean NOT NULL DEFAULT false,
        ADD COLUMN token_version integer NOT NULL DEFAULT 0,
        ADD COLUMN password_change_required boolean NOT NULL DEFAULT false`);
    await q.query(`
      CREATE TABLE crm.admin_approvals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('password_reset', 'role_grant')),
        target_user_id uuid NOT NULL REFERENCES crm.users(id),
        payload jsonb NOT NULL DEFAULT '{}',
        requested_by uuid NOT NULL REFERENCES crm.users(id),
        requested_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
        decided_by uuid REFERENCES crm.users(id),
        decided_at timestamptz
      )`);
    // One open request per kind and person: a second one would only race the first.
    await q.query(`CREATE UNIQUE INDEX admin_approvals_one_pending ON crm.admin_approvals (kind, target_user_id) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE crm.admin_approvals');
    await q.query('ALTER TABLE crm.users DROP COLUMN service_account, DROP COLUMN token_version, DROP COLUMN password_change_required');
  }
}
