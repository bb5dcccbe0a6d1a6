/**
 * Report queries (CRM_REPORTS_*): an optional read replica they are sent to, how far behind it may be
 * before they go to the primary instead, and the statement timeout of one report query.
 */
import { ConfigError, intVar, type Env } from './config.js';

export interface ReportsConfig {
  /** A PostgreSQL replica for report queries (CRM_REPORTS_DATABASE_URL), or null: the primary. */
  databaseUrl: string | null;
  /** Replication lag beyond which report queries fall back to the primary (CRM_REPORTS_MAX_LAG_SECONDS). */
  maxLagSeconds: number;
  /** Statement timeout of one report query (CRM_REPORTS_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs: number;
}

function replicaUrl(env: Env): string | null {
  const raw = env.CRM_REPORTS_DATABASE_URL?.trim();
  if (!raw) return null;
  const accepts = 'must be a URL like postgres://user:password@replica:5432/database';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('CRM_REPORTS_DATABASE_URL', accepts);
  }
  if ((url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') || !url.hostname || url.pathname.length <= 1) {
    throw new ConfigError('CRM_REPORTS_DATABASE_URL', accepts);
  }
  return raw;
}

export function reportsConfig(env: Env): ReportsConfig {
  return {
    databaseUrl: replicaUrl(env),
    maxLagSeconds: intVar(env, 'CRM_REPORTS_MAX_LAG_SECONDS', 30, 0, 86_400),
    statementTimeoutMs: intVar(env, 'CRM_REPORTS_STATEMENT_TIMEOUT_MS', 10_000, 1, 600_000),
  };
}
