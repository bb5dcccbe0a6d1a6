/**
 * Every PostgreSQL advisory lock the server takes, by name: one list, so two features never pick the
 * same key and a reader sees what serializes what. Locks are transaction-scoped
 * (pg_advisory_xact_lock): taken on the transaction's own connection and released by its COMMIT or
 * ROLLBACK, so none can leak to a pooled connection nor be released on another one — except the
 * migration, directory-sync and import-run locks, session-scoped on one dedicated connection that takes and
 * releases them (their work commits in several transactions). The keys are
 * the ones earlier releases used, so processes of both releases exclude each other during a rolling upgrade.
 */
import type { Queryable } from './db.js';

export const ADVISORY_LOCKS = {
  /** Migrations at start-up. Session-scoped by necessity: each migration commits on its own (data-source.ts). */
  migrations: 7_240_001,
  /** The audit sealer: one process chains at a time. */
  'audit.seal': 7_240_002,
  /** First-start seeding of users and roles. */
  seed: 7_240_003,
  /** Metadata changes (rows + DDL): two designers never interleave DDL. */
  'metadata.change': 7_240_010,
  /** Housekeeping batches: one runner at a time. */
  housekeeping: 7_240_014,
  /** Solution pack installs and upgrades. */
  'template.install': 7_240_020,
  /** The bank pack's periodic jobs (rule tags, guarantee circles). */
  'bank.jobs': 7_240_030,
  /** The nightly scoring of insight models: one process enqueues a night's jobs. */
  'model.nightly': 7_240_032,
  /** Loading the demo bank's customers on a first start. */
  'demo.load': 7_240_031,
  /** Solution packs' own migrations. */
  'pack.migrations': 7_240_040,
  /** Creating the audit trail's monthly partitions (taken inside crm.audit_ensure_partitions, migration 0015). */
  'audit.partitions': 7_240_080,
  /** Directory (LDAP / AD) sync: one runner at a time (auth/directory/directory-accounts.ts). */
  'directory.sync': 7_240_081,
  /**
   * An import being run (two-key form: this class and `hashtext(import id)`). Session-scoped on the
   * runner's own connection: its batches commit one by one, and the lock ends with the process, so
   * another server resumes an import whose runner died (imports/import-runner.ts).
   */
  'import.run': 7_240_090,
  /** A background job being run (two-key form with `hashtext(job id)`), session-scoped like `import.run` (jobs/job-runner.ts). */
  'job.run': 7_240_100,
} as const;

/** Locks per key (one lock per process-definition key): `hashtext(prefix || key)`. */
export const KEYED_ADVISORY_LOCKS = {
  /** Deploys of one process key, so versions are gap-free and unique. */
  'workflow.deploy': 'wf-def:',
  /** Deploys of one decision key. */
  'workflow.deploy_decision': 'wf-dmn:',
} as const;

export type AdvisoryLock = keyof typeof ADVISORY_LOCKS;
export type KeyedAdvisoryLock = keyof typeof KEYED_ADVISORY_LOCKS;

/** Waits for the lock; it is held until the transaction of `q` ends. */
export async function advisoryXactLock(q: Queryable, name: AdvisoryLock): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCKS[name]]);
}

/** Takes the lock when free (held until the transaction of `q` ends); false when another holds it. */
export async function tryAdvisoryXactLock(q: Queryable, name: AdvisoryLock): Promise<boolean> {
  const { rows } = await q.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [ADVISORY_LOCKS[name]]);
  return rows[0]?.ok === true;
}

/** Waits for the lock of one key (e.g. a process-definition key) until the transaction of `q` ends. */
export async function keyedAdvisoryXactLock(q: Queryable, name: KeyedAdvisoryLock, key: string): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${KEYED_ADVISORY_LOCKS[name]}${key}`]);
}
