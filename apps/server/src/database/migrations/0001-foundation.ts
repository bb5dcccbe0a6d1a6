import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Schemas, org tree, roles, users and API keys. */
export class Foundation0001 implements MigrationInterface {
  name = 'Foundation1764300000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS crm_data`);
    await q.query(`
      CREATE TABLE crm.org_units (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        parent_id uuid REFERENCES crm.org_units(id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        code text UNIQUE,
        kind text NOT NULL DEFAULT 'branch' CHECK (kind IN ('head_office','branch','sub_branch','team','department')),
        path uuid[] NOT NULL,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX org_units_path_gin ON crm.org_units USING gin (path)`);
    await q.query(`CREATE INDEX org_units_parent ON crm.org_units (parent_id)`);
    await q.query(`
      CREATE TABLE crm.roles (
        key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
        name text NOT NULL,
        description text,
        permissions jsonb NOT NULL DEFAULT '[]',
        platform text[] NOT NULL DEFAULT '{}',
        builtin boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE crm.users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.@-]{2,64}$'),
        display_name text,
        password_hash text NOT NULL,
        org_unit_id uuid REFERENCES crm.org_units(id),
        roles text[] NOT NULL DEFAULT '{}',
        disabled boolean NOT NULL DEFAULT false,
        last_login_at timestamptz,
        password_changed_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX users_username_lower ON crm.users (lower(username))`);
    await q.query(`CREATE INDEX users_org_unit ON crm.users (org_unit_id)`);
    await q.query(`
      CREATE TABLE crm.api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        user_id uuid NOT NULL REFERENCES crm.users(id),
        secret_hash text NOT NULL,
        created_by uuid REFERENCES crm.users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    // Failed logins are counted per user name, known or not, so lockout cannot reveal which names exist.
    await q.query(`
      CREATE TABLE crm.login_attempts (
        username text PRIMARY KEY,
        failures integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE crm.settings (
        key text PRIMARY KEY,
        value jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE crm.settings, crm.login_attempts, crm.api_keys, crm.users, crm.roles, crm.org_units`);
  }
}
