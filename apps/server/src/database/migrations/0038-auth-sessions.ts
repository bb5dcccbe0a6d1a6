import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Browser sign-in sessions: one row per refresh token (only its SHA-256 is stored). A token is used
 * once: using it marks it rotated and adds its successor in the same family; a rotated token used
 * again revokes the whole family. Idle time runs from the family's last use, the absolute maximum from
 * its sign-in. Additive only.
 */
export class AuthSessions1764300001700 implements MigrationInterface {
  name = 'AuthSessions1764300001700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.auth_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        family_id uuid NOT NULL,
        user_id uuid NOT NULL REFERENCES crm.users(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE CHECK (length(token_hash) = 64),
        token_version int NOT NULL,
        started_at timestamptz NOT NULL,
        used_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        rotated_at timestamptz,
        revoked_at timestamptz,
        revoked_reason text CHECK (revoked_reason IN ('logout','reuse','idle','expired','password','disabled'))
      )`);
    await q.query('CREATE INDEX auth_sessions_family ON crm.auth_sessions (family_id)');
    await q.query('CREATE INDEX auth_sessions_user ON crm.auth_sessions (user_id)');
    await q.query('CREATE INDEX auth_sessions_started ON crm.auth_sessions (started_at)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE crm.auth_sessions');
  }
}
