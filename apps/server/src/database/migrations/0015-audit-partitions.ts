import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail partitioned by month (Beijing time, the bank's calendar), so an old month can be
 * archived to a file and its partition dropped without a long delete. crm.audit_log becomes a
 * partitioned table with one partition per month (`audit_log_pYYYYMM`, created ahead by
 * crm.audit_ensure_partitions, which start-up and housekeeping call) and a default partition that
 * catches a row outside every month rather than losing it. The chain (crm.audit_chain) stays one
 * table — its links are the anchor an archived month is verified against — so its foreign key to
 * the log goes (a key on a partitioned table must include the partition column). crm.audit_archives
 * records each archived month: its chain positions, the file's digest and a MAC under the chain key,
 * so verify can tell an archived entry from a deleted one.
 */
export class AuditPartitions1764300000080 implements MigrationInterface {
  name = 'AuditPartitions1764300000080';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE crm.audit_chain DROP CONSTRAINT IF EXISTS audit_chain_seq_fkey`);
    await q.query(`ALTER TABLE crm.audit_log RENAME TO audit_log_unpartitioned`);
    await q.query(`ALTER SEQUENCE crm.audit_log_seq_seq OWNED BY NONE`);
    await q.query(`CREATE TABLE crm.audit_log (LIKE crm.audit_log_unpartitioned INCLUDING DEFAULTS) PARTITION BY RANGE (at)`);
    await q.query(`ALTER TABLE crm.audit_log ADD PRIMARY KEY (seq, at)`);
    await q.query(`CREATE TABLE crm.audit_log_default PARTITION OF crm.audit_log DEFAULT`);
    await q.query(`
      CREATE TABLE crm.audit_archives (
        month date PRIMARY KEY CHECK (month = date_trunc('month', month)::date),
        rows bigint NOT NULL CHECK (rows >= 0),
        positions int8multirange NOT NULL,
        last_hash text NOT NULL,
        file_sha256 text NOT NULL,
        mac text NOT NULL,
        archived_at timestamptz NOT NULL DEFAULT now(),
        archived_by text
      )`);
    await q.query(`
      CREATE FUNCTION crm.audit_month_start(m date) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS
      $$ SELECT (date_trunc('month', m)::timestamp) AT TIME ZONE 'Asia/Shanghai' $$`);
    // Creates the monthly partitions from first_month to last_month that do not exist yet (never an
    // archived month, never a month the default partition already holds rows of); returns how many.
    await q.query(`
      CREATE FUNCTION crm.audit_ensure_partitions(first_month date, last_month date) RETURNS int LANGUAGE plpgsql AS $$
      DECLARE
        m date := date_trunc('month', first_month)::date;
        made int := 0;
        part text;
      BEGIN
        -- Several server processes may call this at once: one at a time (released at transaction end).
        PERFORM pg_advisory_xact_lock(7240080);
        WHILE m <= last_month LOOP
          part := 'audit_log_p' || to_char(m, 'YYYYMM');
          IF to_regclass(format('crm.%I', part)) IS NULL
             AND NOT EXISTS (SELECT 1 FROM crm.audit_archives a WHERE a.month = m)
             AND NOT EXISTS (SELECT 1 FROM crm.audit_log_default d
                              WHERE d.at >= crm.audit_month_start(m) AND d.at < crm.audit_month_start((m + interval '1 month')::date)) THEN
            EXECUTE format('CREATE TABLE crm.%I PARTITION OF crm.audit_log FOR VALUES FROM (%L) TO (%L)',
                           part, crm.audit_month_start(m), crm.audit_month_start((m + interval '1 month')::date));
            EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON crm.%I FOR EACH STATEMENT EXECUTE FUNCTION crm.audit_insert_only()',
                           part || '_no_truncate', part);
            made := made + 1;
          END IF;
          m := (m + interval '1 month')::date;
        END LOOP;
        RETURN made;
      END $$`);
    await q.query(`
      SELECT crm.audit_ensure_partitions(
        coalesce((SELECT min(at) AT TIME ZONE 'Asia/Shanghai' FROM crm.audit_log_unpartitioned), now() AT TIME ZONE 'Asia/Shanghai')::date,
        ((now() AT TIME ZONE 'Asia/Shanghai') + interval '3 months')::date)`);
    await q.query(`CREATE TRIGGER audit_log_default_no_truncate BEFORE TRUNCATE ON crm.audit_log_default FOR EACH STATEMENT EXECUTE FUNCTION crm.audit_insert_only()`);
    await q.query(`INSERT INTO crm.audit_log SELECT * FROM crm.audit_log_unpartitioned ORDER BY seq`);
    await q.query(`DROP TABLE crm.audit_log_unpartitioned`);
    await q.query(`ALTER SEQUENCE crm.audit_log_seq_seq OWNED BY crm.audit_log.seq`);
    await q.query(`CREATE INDEX audit_log_at ON crm.audit_log (at)`);
    await q.query(`CREATE INDEX audit_log_seq ON crm.audit_log (seq)`);
    await q.query(`CREATE INDEX audit_log_actor ON crm.audit_log (actor_id, seq)`);
    await q.query(`CREATE INDEX audit_log_record ON crm.audit_log (object, record_id, seq)`);
    await q.query(`CREATE INDEX audit_log_action ON crm.audit_log (action, seq)`);
    // Insert-only, as before: row triggers on the partitioned table are cloned to every partition.
    await q.query(`CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON crm.audit_log FOR EACH ROW EXECUTE FUNCTION crm.audit_insert_only()`);
    await q.query(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON crm.audit_log FOR EACH STATEMENT EXECUTE FUNCTION crm.audit_insert_only()`);
  }

  async down(): Promise<void> {
    throw new Error('AuditPartitions1764300000080 is forward-only: restore the backup taken before the upgrade');
  }
}
