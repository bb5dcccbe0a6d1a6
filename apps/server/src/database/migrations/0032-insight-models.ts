import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Insight models as metadata: one row per model with its definition, and one row per trained version
 * with the fitted ensemble, its logistic baseline, the feature encoders and the holdout metrics.
 * A version is immutable; the model names its latest. Additive only.
 */
export class InsightModels1764300001100 implements MigrationInterface {
  name = 'InsightModels1764300001100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.models (
        key text PRIMARY KEY,
        object_key text NOT NULL,
        definition jsonb NOT NULL,
        latest_version integer,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE crm.model_versions (
        model_key text NOT NULL REFERENCES crm.models(key) ON DELETE CASCADE,
        version integer NOT NULL,
        definition jsonb NOT NULL,
        artifact jsonb NOT NULL,
        metrics jsonb NOT NULL,
        trained_by uuid,
        trained_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (model_key, version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE crm.model_versions');
    await q.query('DROP TABLE crm.models');
  }
}
