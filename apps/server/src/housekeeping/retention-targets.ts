/**
 * What housekeeping may delete, one entry per growing runtime log. Each target deletes one bounded
 * batch per call and reports how many rows went. A new log (webhook deliveries, import results)
 * joins by adding an entry here, a CRM_RETENTION_* default in config.ts and, if it wants overrides,
 * rows in crm.retention_policies under its own target name. The audit trail is never a target.
 */
import type pg from 'pg';
import type { AppConfig } from '../config/config.js';
import { purgeLoginAttempts } from '../auth/login-attempts-retention.js';
import { purgeFinishedInstances } from '../workflow/history-retention.js';
import { purgeIdempotencyKeys } from '../idempotency/idempotency-retention.js';
import { purgeWebhookMessages } from '../webhooks/webhook-retention.js';

export interface Policies {
  /** The `*` row of the target, when there is one (its ttl_days may be null = keep forever). */
  whole?: { days: number | null };
  /** Rows for a narrower scope (for process history: a process definition key). */
  scoped: Map<string, number | null>;
}

export interface RetentionTarget {
  key: string;
  envDefault(config: AppConfig): number | null;
  purgeBatch(c: pg.PoolClient, now: Date, limit: number, defaultDays: number | null, policies: Policies): Promise<number>;
}

export const RETENTION_TARGETS: readonly RetentionTarget[] = [
  {
    key: 'process_instances',
    envDefault: (config) => config.retention.processInstances,
    purgeBatch: (c, now, limit, defaultDays, policies) => purgeFinishedInstances(c, now, limit, { defaultDays, perDefinition: policies.scoped }),
  },
  {
    key: 'idempotency_keys',
    envDefault: (config) => config.retention.idempotencyKeys,
    purgeBatch: async (c, now, limit, defaultDays) => (defaultDays === null ? 0 : purgeIdempotencyKeys(c, now, limit, defaultDays)),
  },
  {
    key: 'login_attempts',
    envDefault: (config) => config.retention.loginAttempts,
    purgeBatch: async (c, now, limit, defaultDays) => (defaultDays === null ? 0 : purgeLoginAttempts(c, now, limit, defaultDays)),
  },
  {
    key: 'webhook_deliveries',
    envDefault: (config) => config.retention.webhookDeliveries,
    purgeBatch: async (c, now, limit, defaultDays) => (defaultDays === null ? 0 : purgeWebhookMessages(c, now, limit, defaultDays)),
  },
];

export const PROCESS_HISTORY_TARGET = 'process_instances';
