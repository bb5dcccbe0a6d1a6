import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `Idempotency-Key` on POST: per caller and key, the fingerprint of the request (method, path, body)
 * and, once it finished, the answer to give a repeat. A key is reserved before the handler runs, so
 * two copies of one request never both run. Kept for CRM_RETENTION_IDEMPOTENCY_DAYS. Additive only.
 */
export class IdempotencyKeys1764300000091 implements MigrationInterface {
  name = 'IdempotencyKeys1764300000091';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.idempotency_keys (
        principal_id uuid NOT NULL,
        key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
        fingerprint text NOT NULL,
        status_code int,
        content_type text,
        body text,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        PRIMARY KEY (principal_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created ON crm.idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE crm.idempotency_keys');
  }
}
