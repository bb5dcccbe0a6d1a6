/**
 * Runs the solution packs' own migrations at start-up, after the platform's: each step once, in
 * order, in its own transaction that also records it in crm.pack_migrations — a failed step rolls
 * back whole and stops the start. Concurrent starts are serialized by a transaction-level lock.
 */
import type pg from 'pg';
import { advisoryXactLock } from '../database/advisory-locks.js';
import { EXIT_MIGRATION_FAILED, StartupRefusal } from '../database/schema-check.js';
import type { SolutionPack } from './solution-pack.js';


export async function runPackMigrations(pool: pg.Pool, packs: readonly SolutionPack[]): Promise<string[]> {
  const ran: string[] = [];
  for (const pack of packs) {
    const steps = [...(pack.migrations ?? [])].sort((a, b) => a.id.localeCompare(b.id));
    for (const step of steps) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await advisoryXactLock(client, 'pack.migrations');
        const done = await client.query('SELECT 1 FROM crm.pack_migrations WHERE pack = $1 AND id = $2', [pack.key, step.id]);
        if (!done.rowCount) {
          await step.up(client);
          await client.query('INSERT INTO crm.pack_migrations (pack, id) VALUES ($1, $2)', [pack.key, step.id]);
          ran.push(`${pack.key}/${step.id}`);
        }
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
