import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts that come from the bank's directory (LDAP / AD) or single sign-on: where an account comes
 * from, its identity there (entryUUID / objectGUID / subject) and its DN. Such an account has no local
 * password (password_hash holds a marker no password verifies against). Additive only.
 */
export class DirectoryAccounts1764300000081 implements MigrationInterface {
  name = 'DirectoryAccounts1764300000081';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE crm.users ADD COLUMN auth_source text NOT NULL DEFAULT 'local' CHECK (auth_source IN ('local', 'ldap', 'oidc'))`);
    await q.query(`ALTER TABLE crm.users ADD COLUMN external_id text CHECK (length(external_id) <= 512)`);
    await q.query(`ALTER TABLE crm.users ADD COLUMN external_dn text CHECK (length(external_dn) <= 2048)`);
    await q.query(`CREATE UNIQUE INDEX users_external ON crm.users (auth_source, external_id) WHERE external_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX crm.users_external`);
    await q.query(`ALTER TABLE crm.users DROP COLUMN external_dn, DROP COLUMN external_id, DROP COLUMN auth_source`);
  }
}
