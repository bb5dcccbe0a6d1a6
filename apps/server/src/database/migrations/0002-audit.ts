import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail. Rows are written inside the transaction of the change they describe; a sealer
 * then appends each committed row to a SHA-256/SM3 hash chain kept in crm.audit_chain. Both tables
 * are insert-only: a trigger rejects UPDATE, DELETE and TRUNCATE.
 */
export class Audit0002 implements MigrationInterface {
  name = 'Audit1764300000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE crm.audit_log (
        seq bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor_id uuid,
        actor_name text,
        action text NOT NULL,
        object text,
        record_id text,
        outcome text NOT NULL DEFAULT 'success',
        ip text,
        request_id text,
        data jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX audit_log_at ON crm.audit_log (at)`);
    await q.query(`CREATE INDEX audit_log_actor ON crm.audit_log (actor_id, seq)`);
    await q.query(`CREATE INDEX audit_log_record ON crm.audit_log (object, record_id, seq)`);
    await q.query(`CREATE INDEX audit_log_action ON crm.audit_log (action, seq)`);
    await q.query(`
      CREATE TABLE crm.audit_chain (
        position bigint PRIMARY KEY,
        seq bigint NOT NULL UNIQUE REFERENCES crm.audit_log(seq),
        hash text NOT NULL,
        algorithm text NOT NULL,
        sealed_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`
      CREATE FUNCTION crm.audit_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the audit trail is insert-only (% on %)', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const t of ['audit_log', 'audit_chain']) {
      await q.query(`CREATE TRIGGER ${t}_no_update BEFORE UPDATE OR DELETE ON crm.${t} FOR EACH ROW EXECUTE FUNCTION crm.audit_insert_only()`);
      await q.query(`CREATE TRIGGER ${t}_no_truncate BEFORE TRUNCATE ON crm.${t} FOR EACH STATEMENT EXECUTE FUNCTION crm.audit_insert_only()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE crm.audit_chain, crm.audit_log`);
    await q.query(`DROP FUNCTION crm.audit_insert_only()`);
  }
}
