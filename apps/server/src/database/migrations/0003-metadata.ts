import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Objects, fields, forms and their published versions, auto-number counters, stored files. */
export class Metadata1764300000003 implements MigrationInterface {
  name = 'Metadata1764300000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.objects (
        key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
        label jsonb NOT NULL,
        description text,
        app text,
        icon text,
        title_field text,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE crm.fields (
        object_key text NOT NULL REFERENCES crm.objects(key) ON DELETE CASCADE,
        key text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
        label jsonb NOT NULL,
        type text NOT NULL,
        required boolean NOT NULL DEFAULT false,
        is_unique boolean NOT NULL DEFAULT false,
        options jsonb NOT NULL DEFAULT '{}',
        default_value jsonb,
        sensitivity smallint CHECK (sensitivity BETWEEN 1 AND 5),
        target text,
        position integer NOT NULL DEFAULT 0,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (object_key, key)
      )`);
    await q.query(`
      CREATE TABLE crm.forms (
        key text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{0,62}$'),
        object_key text NOT NULL REFERENCES crm.objects(key),
        draft jsonb NOT NULL,
        latest_version integer NOT NULL DEFAULT 0,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE crm.form_versions (
        form_key text NOT NULL REFERENCES crm.forms(key),
        version integer NOT NULL,
        definition jsonb NOT NULL,
        fields jsonb NOT NULL,
        data_schema jsonb NOT NULL,
        validator_module text NOT NULL,
        published_by uuid,
        published_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (form_key, version)
      )`);
    await q.query(`
      CREATE TABLE crm.auto_numbers (
        object_key text NOT NULL,
        field_key text NOT NULL,
        prefix text NOT NULL,
        last_value bigint NOT NULL,
        PRIMARY KEY (object_key, field_key, prefix)
      )`);
    await q.query(`
      CREATE TABLE crm.files (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sha256 text NOT NULL,
        name text NOT NULL,
        size bigint NOT NULL,
        content_type text NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX files_sha ON crm.files (sha256)`);
    await q.query(`INSERT INTO crm.settings (key, value) VALUES ('meta_version', '1') ON CONFLICT DO NOTHING`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE crm.files, crm.auto_numbers, crm.form_versions, crm.forms, crm.fields, crm.objects`);
  }
}
