/**
 * Where report statements run: the read replica of CRM_REPORTS_DATABASE_URL when it answers and is
 * no more than CRM_REPORTS_MAX_LAG_SECONDS behind, else the primary (with a warning in the log). Each
 * statement runs in a read-only transaction under its own statement timeout; a timeout is a clear 422.
 */
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import pg from 'pg';
import type { Logger } from 'pino';
import { performance } from 'node:perf_hooks';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Db } from '../database/db.js';
import { LOGGER } from '../logging/logger.token.js';
import { AppError } from '../common/app-error.js';

export type ReportSource = 'primary' | 'replica';

/** How long a replica health check is believed. */
const HEALTH_TTL_MS = 2000;
/** At most one "falling back to the primary" warning per minute. */
const WARN_EVERY_MS = 60_000;

/**
 * Whether a failed report statement is the replica's trouble rather than the statement's: no SQLSTATE
 * (the connection failed), connection exceptions (08), operator intervention (57: the standby shutting
 * down or restarting), insufficient resources (53: too many connections), or a query cancelled by a
 * conflict with recovery (40001 on a read-only statement). The statement then runs on the primary.
 */
/**
 * Whether the replica has not yet replayed the schema the statement was compiled for: an undefined table
 * or column (42P01, 42703) — a rollup or an object made moments ago on the primary. The statement then
 * runs on the primary; the replica stays in use for the next one.
 */
function replicaBehindSchema(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === '42P01' || code === '42703';
}

function replicaTrouble(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || code.length !== 5) return true;
  return ['08', '57', '53'].includes(code.slice(0, 2)) || code === '40001';
}

@Injectable()
export class ReportDatabase implements OnModuleDestroy {
  private readonly replica: pg.Pool | null;
  private health: { at: number; ok: boolean } = { at: 0, ok: false };
  private warnedAt = 0;
  /** Why reports run on the primary now (`lag`, `down`), or null while they use the replica (or before the first check). */
  private fallingBack: 'lag' | 'down' | null = null;

  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const url = config.reports.databaseUrl;
    this.replica = url ? new pg.Pool({ connectionString: url, max: 5, connectionTimeoutMillis: 2000, application_name: 'bank-crm-reports' }) : null;
    // An idle connection the replica drops must not take the process down.
    this.replica?.on('error', (err) => this.logger.warn({ err: { message: err.message } }, 'report replica connection lost'));
  }

  async onModuleDestroy(): Promise<void> {
    await this.replica?.end().catch(() => undefined);
  }

  /** Warns when reports leave the replica or the cause changes, then at most once a minute while it lasts. */
  private fallBack(kind: 'lag' | 'down', reason: string): void {
    const now = Date.now();
    if (kind === this.fallingBack && now - this.warnedAt < WARN_EVERY_MS) return;
    this.fallingBack = kind;
    this.warnedAt = now;
    this.logger.warn({ reason }, `report queries fall back to the primary database: ${reason}`);
  }

  private replicaBack(): void {
    if (!this.fallingBack) return;
    this.fallingBack = null;
    this.logger.info('report queries use the replica again');
  }

  /** Whether the replica answers and is close enough behind (checked at most every 2 s). */
  private async replicaUsable(): Promise<boolean> {
    if (!this.replica) return false;
    const now = Date.now();
    if (now - this.health.at < HEALTH_TTL_MS) return this.health.ok;
    let ok = false;
    try {
      // Caught up (nothing left to replay) counts as no lag, however old the last transaction is.
      const { rows } = await this.replica.query<{ lag: string | null }>(
        `SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                     ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END::text AS lag`,
      );
      const lag = rows[0]?.lag === null || rows[0]?.lag === undefined ? Infinity : Number(rows[0].lag);
      ok = lag <= this.config.reports.maxLagSeconds;
      if (!ok) this.fallBack('lag', `the replica is ${Number.isFinite(lag) ? Math.round(lag) : 'an unknown number of'} seconds behind`);
    } catch (err) {
      this.fallBack('down', `the replica does not answer (${(err as { code?: string }).code ?? 'connection failed'})`);
    }
    if (ok) this.replicaBack();
    this.health = { at: Date.now(), ok };
    return ok;
  }

  /**
   * Runs one report statement: its rows, where it ran, the milliseconds the statement took, and whether
   * the answer is current — `false` when the replica had not yet replayed everything the primary had
   * written when the run began. Such an answer is within the allowed lag but must not be cached: a
   * change already heard (and its cache entries dropped) may be missing from it.
   */
  async run(sql: string, params: unknown[]): Promise<{ rows: Record<string, unknown>[]; source: ReportSource; elapsedMs: number; current: boolean }> {
    if (await this.replicaUsable()) {
      // Where the primary's WAL ends now: every commit heard of so far lies before it.
      const seen = await this.db.one<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
      try {
        return { ...(await this.execute(this.replica!, sql, params, seen?.lsn)), source: 'replica' };
      } catch (err) {
        if (replicaBehindSchema(err)) {
          this.logger.info({ code: (err as { code?: string }).code }, 'report statement runs on the primary: the replica has not replayed its schema yet');
          return { ...(await this.execute(this.db.pool, sql, params)), source: 'primary' };
        }
        if (err instanceof AppError || !replicaTrouble(err)) throw err; // the statement itself failed
        this.health = { at: Date.now(), ok: false };
        const code = (err as { code?: unknown }).code;
        const sqlState = typeof code === 'string' && code.length === 5;
        this.fallBack('down', sqlState ? `the replica failed the statement (${code})` : `the replica does not answer (${typeof code === 'string' ? code : 'connection failed'})`);
      }
    }
    return { ...(await this.execute(this.db.pool, sql, params)), source: 'primary' };
  }

  /** `replayedTo`: on a replica, the answer is current when it has replayed this WAL position before the statement runs. */
  private async execute(pool: pg.Pool, sql: string, params: unknown[], replayedTo?: string): Promise<{ rows: Record<string, unknown>[]; elapsedMs: number; current: boolean }> {
    const client = await pool.connect();
    const ms = this.config.reports.statementTimeoutMs;
    let broken = false;
    // The pool only listens for errors of idle connections: a connection that dies while checked out
    // (the replica shutting down mid-statement) would otherwise emit an unhandled 'error' and end the process.
    const lost = (): void => {
      broken = true;
    };
    client.on('error', lost);
    try {
      await client.query('BEGIN TRANSACTION READ ONLY');
      const set = await client.query<{ current: boolean | null }>(
        replayedTo === undefined
          ? `SELECT set_config('statement_timeout', $1, true), true AS current`
          : `SELECT set_config('statement_timeout', $1, true), pg_last_wal_replay_lsn() >= $2::pg_lsn AS current`,
        replayedTo === undefined ? [String(ms)] : [String(ms), replayedTo],
      );
      const started = performance.now();
      const { rows } = await client.query<Record<string, unknown>>(sql, params);
      const elapsedMs = Math.round((performance.now() - started) * 10) / 10;
      await client.query('COMMIT');
      // Not in recovery (a replica URL naming a primary): pg_last_wal_replay_lsn() is null, and the data is current.
      return { rows, elapsedMs, current: set.rows[0]?.current !== false };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      if ((err as { code?: string }).code === '57014') throw new AppError(422, 'reports.timeout', { ms });
      throw err;
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }
}
