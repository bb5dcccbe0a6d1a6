import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Background jobs (`/api/jobs/:id`): long work such as model training and scoring, campaign launches,
 * journey entries and privacy exports. A job's progress and its resume checkpoint (`cursor`) are
 * written in the same transaction as the work they describe, so a job resumed after a crash starts
 * where its last committed batch ended. At most one unfinished job per `dedupe_key` (e.g. one training
 * per model). Additive only.
 */
export class Jobs1764300000600 implements MigrationInterface {
  name = 'Jobs1764300000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
        params jsonb NOT NULL DEFAULT '{}'::jsonb,
        cursor jsonb,
        progress_done bigint NOT NULL DEFAULT 0,
        progress_total bigint,
        result jsonb,
        error_code text,
        error_params jsonb,
        dedupe_key text,
        attempts integer NOT NULL DEFAULT 0,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX jobs_pending ON crm.jobs (created_at) WHERE status IN ('queued', 'running')`);
    await q.query(`CREATE UNIQUE INDEX jobs_dedupe ON crm.jobs (dedupe_key) WHERE status IN ('queued', 'running') AND dedupe_key IS NOT NULL`);
    await q.query('CREATE INDEX jobs_finished ON crm.jobs (finished_at) WHERE finished_at IS NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE IF EXISTS crm.jobs');
  }
}
