/**
 * The start-up rules for the platform schema: a process never runs on a schema newer than it knows
 * (a rolling upgrade's old process must not be restarted onto it), and a migration that fails rolls
 * back and stops the start with what to do. Each refusal carries its own exit code.
 */
import type { QueryRunner } from 'typeorm';

export class StartupRefusal extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'StartupRefusal';
  }
}

/** Exit codes: 2 is a bad configuration (main.ts); these follow it. */
export const EXIT_SCHEMA_NEWER = 3;
export const EXIT_MIGRATION_FAILED = 4;

/** Names of the migrations recorded in crm.migrations, oldest first; none on an empty database. */
export async function appliedMigrations(runner: QueryRunner): Promise<string[]> {
  const [{ exists }] = (await runner.query(`SELECT to_regclass('crm.migrations') IS NOT NULL AS exists`)) as { exists: boolean }[];
  if (!exists) return [];
  const rows = (await runner.query('SELECT name FROM crm.migrations ORDER BY id')) as { name: string }[];
  return rows.map((r) => r.name);
}

/** Refuses a database migrated by a newer release: it holds migrations this code does not know. */
export function assertSchemaNotNewer(applied: string[], known: string[], version: string): void {
  const unknown = applied.filter((name) => !known.includes(name));
  if (!unknown.length) return;
  throw new StartupRefusal(
    `The database schema is newer than this release (bank-crm ${version} does not know the migration ${unknown.join(', ')}). ` +
      'Start the release that migrated this database, or a newer one; this process changed nothing.',
    EXIT_SCHEMA_NEWER,
  );
}

/** The refusal for a migration that failed: it rolled back, earlier ones stay applied. */
export function migrationFailed(name: string, lastApplied: string | undefined, cause: unknown): StartupRefusal {
  const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
  return new StartupRefusal(
    `Migration ${name} failed and was rolled back: ${reason}. The database stays at ${lastApplied ?? 'an empty schema'} ` +
      '(every migration runs in its own transaction). Fix the cause named here, or restore the backup taken before the upgrade, ' +
      'then start again; do not edit crm.migrations by hand.',
    EXIT_MIGRATION_FAILED,
  );
}
