import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Single sign-on in flight: an authorisation request waiting for its callback (state, PKCE verifier and
 * nonce; single use, 10 minutes), and the one-time code the callback hands the browser to fetch its
 * token (stored hashed; single use, 60 seconds), so a token never travels in a URL. Additive only.
 */
export class SsoLogins1764300000082 implements MigrationInterface {
  name = 'SsoLogins1764300000082';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.sso_requests (
        state text PRIMARY KEY CHECK (length(state) BETWEEN 16 AND 200),
        code_verifier text NOT NULL,
        nonce text NOT NULL,
        return_to text NOT NULL DEFAULT '/' CHECK (length(return_to) <= 500),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE crm.sso_codes (
        code_hash text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES crm.users(id) ON DELETE CASCADE,
        return_to text NOT NULL DEFAULT '/',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE crm.sso_codes, crm.sso_requests');
  }
}
