import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bulk imports: one row per import with its options, the stored file's hash, and the progress
 * counters. A batch of rows commits in the same transaction as `next_row` and the counters, so a
 * runner that dies mid-import is resumed at `next_row` and no row is counted twice. Rejected rows
 * (one line per failing cell) live in crm.import_errors, written with their batch. Additive only.
 */
export class Imports1764300000500 implements MigrationInterface {
  name = 'Imports1764300000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.imports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        object_key text NOT NULL,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        file_sha256 text NOT NULL,
        file_name text NOT NULL,
        file_format text NOT NULL CHECK (file_format IN ('csv', 'xlsx')),
        options jsonb NOT NULL,
        fingerprint text NOT NULL,
        dry_run boolean NOT NULL DEFAULT false,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
        total integer NOT NULL DEFAULT 0,
        next_row integer NOT NULL DEFAULT 0,
        inserted integer NOT NULL DEFAULT 0,
        updated integer NOT NULL DEFAULT 0,
        rejected integer NOT NULL DEFAULT 0,
        error text,
        finished_at timestamptz
      )`);
    await q.query('CREATE INDEX imports_pending ON crm.imports (created_at) WHERE status IN (\'queued\', \'running\')');
    await q.query('CREATE INDEX imports_fingerprint ON crm.imports (created_by, fingerprint) WHERE NOT dry_run');
    await q.query(`
      CREATE TABLE crm.import_errors (
        import_id uuid NOT NULL REFERENCES crm.imports(id) ON DELETE CASCADE,
        seq serial,
        row_no integer NOT NULL,
        column_name text,
        code text NOT NULL,
        message text NOT NULL,
        PRIMARY KEY (import_id, seq)
      )`);
    await q.query('CREATE INDEX import_errors_row ON crm.import_errors (import_id, row_no)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE crm.import_errors');
    await q.query('DROP TABLE crm.imports');
  }
}
