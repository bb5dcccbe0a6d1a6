/**
 * Runs the solution packs' own migrations at start-up, after the platform's: each step once, in
 * order, in its own transaction that also records it in crm.pack_migrations — a failed step rolls
 * back whole and stops the start. Concurrent starts are serialized by a transaction-level lock.
 */
import type pg from 'pg';
import { advisoryXactLock } from '../database/advisory-locks.js';
import { EXIT_MIGRATION_FAILED, StartupRefusal } from '../database/schema-check.js';
import { AppError } from '../common/app-error.js';
import { registerMessages } from '../common/i18n.js';
import type { PackMigration, SolutionPack } from './solution-pack.js';

registerMessages({
  'template.migration_failed': {
    'zh-CN': '解决方案包 {key} 的迁移步骤 {step} 失败，升级已整体回滚，数据库保持原样',
    en: 'Migration step {step} of the {key} pack failed; the whole upgrade was rolled back and the database is as it was',
  },
});

/** A pack step that failed inside an install; `cause` is for the log, never for the answer. */
export class PackMigrationFailed extends AppError {
  constructor(key: string, step: string, override readonly cause: unknown) {
    super(409, 'template.migration_failed', { key, step });
  }
}

const sortedSteps = (pack: SolutionPack): PackMigration[] => [...(pack.migrations ?? [])].sort((a, b) => a.id.localeCompare(b.id));

/** Runs the step on the client's open transaction unless it ran before; true when it ran now. */
async function runStepOnce(client: pg.PoolClient, pack: SolutionPack, step: PackMigration): Promise<boolean> {
  await advisoryXactLock(client, 'pack.migrations');
  const done = await client.query('SELECT 1 FROM crm.pack_migrations WHERE pack = $1 AND id = $2', [pack.key, step.id]);
  if (done.rowCount) return false;
  await step.up(client);
  await client.query('INSERT INTO crm.pack_migrations (pack, id) VALUES ($1, $2)', [pack.key, step.id]);
  return true;
}

/**
 * Inside an install's transaction: the pack's steps that have not run yet (a pack folder replaced by a
 * newer version while the server runs), so the upgrade and its migrations commit or roll back together.
 */
export async function runPendingPackMigrations(client: pg.PoolClient, pack: SolutionPack): Promise<string[]> {
  const ran: string[] = [];
  for (const step of sortedSteps(pack)) {
    try {
      if (await runStepOnce(client, pack, step)) ran.push(step.id);
    } catch (err) {
      throw new PackMigrationFailed(pack.key, step.id, err);
    }
  }
  return ran;
}


export async function runPackMigrations(pool: pg.Pool, packs: readonly SolutionPack[]): Promise<string[]> {
  const ran: string[] = [];
  for (const pack of packs) {
    for (const step of sortedSteps(pack)) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        if (await runStepOnce(client, pack, step)) ran.push(`${pack.key}/${step.id}`);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
        throw new StartupRefusal(
          `Migration ${step.id} of the ${pack.key} pack failed and was rolled back: ${reason}. Fix the cause named here, or restore the backup taken before the upgrade, then start again.`,
          EXIT_MIGRATION_FAILED,
        );
      } finally {
        client.release();
      }
    }
  }
  return ran;
}
