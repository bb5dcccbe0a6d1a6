/**
 * The delivery worker. Every CRM_WEBHOOK_POLL_MS it leases due messages with FOR UPDATE SKIP LOCKED
 * (so any number of server processes share the outbox and each message has one attempt in flight at
 * a time), skipping a message while an earlier one of the same subscription and record (or process
 * instance) is still pending — order per record. Each attempt POSTs the Standard Webhooks headers
 * through the bounded client, and is logged (status, latency, ≤ 1 KB of the answer). 2xx: delivered.
 * 410: the endpoint is disabled at once. Anything else: retried with exponential back-off and jitter
 * (CRM_WEBHOOK_BACKOFF_MS doubling up to CRM_WEBHOOK_MAX_BACKOFF_MS, CRM_WEBHOOK_MAX_ATTEMPTS
 * attempts); an endpoint with no success for CRM_WEBHOOK_DISABLE_AFTER_DAYS is disabled. Time comes
 * from an injectable clock. The secret is decrypted only to sign and never logged.
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Db } from '../database/db.js';
import { APP_CONFIG, type AppConfig, type WebhookSettings } from '../config/config.js';
import { LOGGER } from '../logging/logger.token.js';
import type { FieldCrypto } from '../crypto/field-crypto.js';
import { ChangeFeed } from '../database/change-feed.js';
import { signatureHeader, type SignatureSuite } from './webhook-signing.js';
import { postBounded, type PostResult } from './webhook-target.js';
import { filterPasses } from './webhooks.service.js';

export const WEBHOOK_CLOCK = Symbol('WEBHOOK_CLOCK');
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

const BATCH = 20;

/** The delay before attempt n+1 after n failed attempts: base·2^(n−1), capped, with "equal jitter" (half fixed, half random). */
export function backoffMs(failedAttempts: number, s: Pick<WebhookSettings, 'backoffMs' | 'maxBackoffMs'>, random: () => number = Math.random): number {
  const d = Math.min(s.maxBackoffMs, s.backoffMs * 2 ** Math.min(30, Math.max(0, failedAttempts - 1)));
  return Math.round(d / 2 + random() * (d / 2));
}

interface Leased {
  id: string;
  subscription_id: string;
  event: string;
  payload: string;
  payload_encrypted: boolean;
  attempts: number;
  url: string;
  filter: string | null;
  secret_enc: string;
  previous_secret_enc: string | null;
  previous_secret_until: Date | null;
  failing_since: Date | null;
}

@Injectable()
export class WebhookDelivery implements OnApplicationBootstrap, OnModuleDestroy {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly s: WebhookSettings;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = true;

  constructor(
    private readonly db: Db,
    @Inject('FIELD_CRYPTO') private readonly crypto: FieldCrypto,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(WEBHOOK_CLOCK) private readonly clock: Clock,
    private readonly feed: ChangeFeed,
  ) {
    this.s = config.webhooks;
    this.enabled = config.webhooks.workers;
    this.suite = config.crypto === 'sm' ? 'sm3' : 'sha256';
  }

  /** HMAC-SHA256 (`v1`), or HMAC-SM3 (`v1-sm3`) with CRM_CRYPTO=sm. */
  private readonly suite: SignatureSuite;

  private readonly enabled: boolean;

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.stopped = false;
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().catch((err: unknown) => {
        this.logger.warn({ err: { code: (err as { code?: string }).code, message: (err as Error).message } }, 'webhook delivery pass failed');
        return 0;
      });
      void this.running.then((n) => (n >= BATCH ? this.again() : this.schedule()));
    }, this.s.pollMs);
    this.timer.unref();
  }

  private again(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.schedule(), 0);
  }

  /** Leases and attempts one batch of due messages; how many were attempted. */
  async runOnce(): Promise<number> {
    const now = this.clock();
    const leaseUntil = new Date(now.getTime() + this.s.timeoutMs + 30_000);
    const leased = await this.db.query<Leased>(
      `WITH due AS (
         SELECT m.id FROM crm.webhook_messages m
           JOIN crm.webhook_subscriptions s ON s.id = m.subscription_id AND s.status = 'active'
          WHERE m.status = 'pending' AND m.next_attempt_at <= $1 AND (m.leased_until IS NULL OR m.leased_until < $1)
            AND NOT EXISTS (SELECT 1 FROM crm.webhook_messages e
                             WHERE e.subscription_id = m.subscription_id AND e.order_key = m.order_key AND e.status = 'pending' AND e.seq < m.seq)
          ORDER BY m.next_attempt_at, m.seq
          LIMIT $4
          FOR UPDATE OF m SKIP LOCKED)
       UPDATE crm.webhook_messages m SET leased_until = $2, lease_owner = $3
         FROM due, crm.webhook_subscriptions s
        WHERE m.id = due.id AND s.id = m.subscription_id
       RETURNING m.id, m.subscription_id::text, m.event, m.payload, m.payload_encrypted, m.attempts, s.url, s.filter, s.secret_enc, s.previous_secret_enc, s.previous_secret_until, s.failing_since`,
      [now, leaseUntil, this.owner, BATCH],
    );
    await Promise.all(leased.map((m) => this.attempt(m)));
    return leased.length;
  }

  private async attempt(m: Leased): Promise<void> {
    const body = m.payload_encrypted ? this.crypto.decrypt(m.payload) : m.payload;
    // Process and task events: the subscription's filter runs on the event's data here.
    if (m.filter && !m.event.startsWith('record.') && m.event !== 'webhook.ping') {
      if (!filterPasses(m.filter, (JSON.parse(body) as { data: Record<string, unknown> }).data)) {
        await this.db.query(`UPDATE crm.webhook_messages SET status = 'filtered', leased_until = NULL, lease_owner = NULL, next_attempt_at = NULL, finished_at = $3 WHERE id = $1 AND lease_owner = $2`, [m.id, this.owner, this.clock()]);
        return;
      }
    }
    const now = this.clock();
    const secrets = [this.crypto.decrypt(m.secret_enc)];
    if (m.previous_secret_enc && m.previous_secret_until && m.previous_secret_until > now) secrets.push(this.crypto.decrypt(m.previous_secret_enc));
    const ts = Math.floor(now.getTime() / 1000);
    const headers = { 'webhook-id': m.id, 'webhook-timestamp': String(ts), 'webhook-signature': signatureHeader(secrets, m.id, ts, body, this.suite) };
    const r = await postBounded(m.url, this.s.allowedOrigins, headers, body, this.s.timeoutMs);
    await this.record(m, r);
  }

  private async record(m: Leased, r: PostResult): Promise<void> {
    const now = this.clock();
    const attempts = m.attempts + 1;
    const ok = r.statusCode !== null && r.statusCode >= 200 && r.statusCode < 300;
    const gone = r.statusCode === 410;
    const failingSince = m.failing_since ?? now;
    const tooLong = !ok && now.getTime() - failingSince.getTime() >= this.s.disableAfterMs;
    const giveUp = !ok && (gone || tooLong || attempts >= this.s.maxAttempts);
    const status = ok ? 'delivered' : giveUp ? 'failed' : 'pending';
    const next = status === 'pending' ? new Date(now.getTime() + backoffMs(attempts, this.s)) : null;
    let disabled: string | null = null;
    if (gone) disabled = 'the endpoint answered 410 Gone';
    else if (tooLong) disabled = `no successful delivery since ${failingSince.toISOString()}`;
    await this.db.tx(async (c) => {
      const res = await c.query(
        `UPDATE crm.webhook_messages SET status = $3, attempts = $4, last_status_code = $5, next_attempt_at = $6, leased_until = NULL, lease_owner = NULL,
                finished_at = CASE WHEN $3 = 'pending' THEN NULL ELSE $7::timestamptz END
          WHERE id = $1 AND lease_owner = $2`,
        [m.id, this.owner, status, attempts, r.statusCode, next, now],
      );
      if (!res.rowCount) return; // the lease ran out and another process took it: its attempt counts
      await c.query(
        'INSERT INTO crm.webhook_attempts (message_id, at, status_code, latency_ms, error, response_excerpt) VALUES ($1, $2, $3, $4, $5, $6)',
        [m.id, now, r.statusCode, r.latencyMs, r.error, r.excerpt],
      );
      if (ok) await c.query('UPDATE crm.webhook_subscriptions SET failing_since = NULL WHERE id = $1::uuid AND failing_since IS NOT NULL', [m.subscription_id]);
      else if (disabled) await c.query(`UPDATE crm.webhook_subscriptions SET status = 'disabled', disabled_reason = $2 WHERE id = $1::uuid AND status = 'active'`, [m.subscription_id, disabled]);
      else await c.query('UPDATE crm.webhook_subscriptions SET failing_since = $2 WHERE id = $1::uuid AND failing_since IS NULL', [m.subscription_id, now]);
    });
    if (disabled) {
      this.feed.changed('webhooks');
      this.logger.warn({ subscription: m.subscription_id, reason: disabled }, 'webhook endpoint disabled');
    }
  }
}
