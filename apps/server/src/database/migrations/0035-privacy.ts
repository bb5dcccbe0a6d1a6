import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Personal-information rights (PIPL). An object may declare which of its relation fields makes its
 * records belong to a data subject (`crm.objects.subject_field`, edited in the object designer); the
 * bank's holiday calendar (working-day deadlines); and the requests themselves with the one-time
 * download of a copy package.
 */
export class Privacy1764300001400 implements MigrationInterface {
  name = 'Privacy1764300001400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE crm.objects ADD COLUMN subject_field text`);
    await q.query(`
      CREATE TABLE crm.privacy_holidays (
        day date PRIMARY KEY,
        name text NOT NULL,
        working boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE crm.privacy_requests (
        id uuid PRIMARY KEY,
        subject_object text NOT NULL,
        subject_id uuid NOT NULL,
        "right" text NOT NULL CHECK ("right" IN ('access','copy','correct','delete','withdraw')),
        channel text NOT NULL,
        status text NOT NULL DEFAULT 'received' CHECK (status IN ('received','verified','fulfilling','fulfilled','answered','rejected','failed')),
        escalated_at timestamptz,
        due_at timestamptz NOT NULL,
        process_instance_id uuid,
        requested_by uuid REFERENCES crm.users(id),
        handler_id uuid REFERENCES crm.users(id),
        result jsonb,
        package_file text,
        package_downloaded_at timestamptz,
        job_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        answered_at timestamptz
      )`);
    await q.query(`CREATE INDEX privacy_requests_subject ON crm.privacy_requests (subject_id)`);
    await q.query(`CREATE INDEX privacy_requests_open ON crm.privacy_requests (due_at) WHERE status NOT IN ('answered','rejected')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE crm.privacy_requests`);
    await q.query(`DROP TABLE crm.privacy_holidays`);
    await q.query(`ALTER TABLE crm.objects DROP COLUMN subject_field`);
  }
}
