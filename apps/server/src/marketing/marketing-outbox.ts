/**
 * The outbox of marketing messages (SMS, WeChat Work, app push), shared by campaigns and journeys:
 * `queue` writes messages in the caller's transaction (after the contact gates admitted them);
 * a sender takes queued rows with FOR UPDATE SKIP LOCKED. In demo mode (CRM_MARKETING_SIMULATOR) a
 * local simulator "sends" them (marks them sent); a real gateway connector replaces it.
 *
 * Withdrawn consent takes effect at once: a consent record of the ledger created withdrawn, or
 * changed to withdrawn, cancels the customer's queued messages not yet sent, in the
 * writer's transaction (a domain event of the consent object).
 */
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import type { PoolClient } from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Db, type Queryable } from '../database/db.js';
import { DomainEvents, type DomainEvent } from '../common/domain-events.js';
import { LOGGER } from '../logging/logger.token.js';
import { CONSENT_LEDGER, type ContactSource } from './contact-gates.js';
import { PollLoop } from './poll-loop.js';

export interface OutboxMessage {
  customerId: string;
  channel: string;
  body: string;
}

const SEND_BATCH = 500;
const POLL_MS = 1000;

@Injectable()
export class MarketingOutbox implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly loop: PollLoop;

  constructor(
    private readonly db: Db,
    private readonly events: DomainEvents,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.events.subscribe((e, c) => this.onConsent(e, c), (e) => e.object === CONSENT_LEDGER.object);
    this.loop = new PollLoop(logger, 'marketing simulator');
  }

  /** Queues messages (one statement), in the caller's transaction. */
  async queue(q: Queryable, source: ContactSource, messages: OutboxMessage[]): Promise<void> {
    if (!messages.length) return;
    await q.query(
      `INSERT INTO crm.marketing_outbox (source_kind, source_id, customer_id, channel, body)
       SELECT $1, $2, m.customer_id, m.channel, m.body FROM unnest($3::uuid[], $4::text[], $5::text[]) AS m(customer_id, channel, body)`,
      [source.kind, source.id, messages.map((m) => m.customerId), messages.map((m) => m.channel), messages.map((m) => m.body)],
    );
  }

  /** Cancels every queued, unsent message to these customers; how many. */
  async cancelQueued(q: Queryable, customerIds: string[], reason: string): Promise<number> {
    const r = await q.query(`UPDATE crm.marketing_outbox SET status = 'cancelled', reason = $2 WHERE customer_id = ANY($1::uuid[]) AND status = 'queued'`, [customerIds, reason]);
    return r.rowCount ?? 0;
  }

  /** Counts of one source's messages by status. */
  async counts(sourceKind: string, sourceId: string): Promise<Record<string, number>> {
    const rows = await this.db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM crm.marketing_outbox WHERE source_kind = $1 AND source_id = $2 GROUP BY status`, [sourceKind, sourceId]);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  private async onConsent(e: DomainEvent, c: PoolClient): Promise<void> {
    if (e.type === 'form.submitted') return;
    // A deleted consent record carries no values here; withdrawal is the ledger's way to revoke.
    if (e.type === 'record.deleted') return;
    const r = e.record;
    const withdrawn = r[CONSENT_LEDGER.withdrawn] === true;
    if (!withdrawn || r[CONSENT_LEDGER.purpose] !== CONSENT_LEDGER.purposeValue) return;
    const customer = r[CONSENT_LEDGER.customer];
    if (typeof customer !== 'string') return;
    const n = await this.cancelQueued(c, [customer], 'consent_withdrawn');
    if (n) this.logger.info({ cancelled: n }, 'marketing consent withdrawn: queued messages cancelled');
  }

  // ---------- the demo simulator ----------

  onApplicationBootstrap(): void {
    if (!this.config.marketingSimulator || !this.config.jobWorkers) return;
    this.loop.start(() => this.sendBatch(), POLL_MS);
  }

  onModuleDestroy(): void {
    this.loop.stop();
  }

  /** Simulates delivery of up to SEND_BATCH queued messages: they become `sent`. */
  async sendBatch(): Promise<number> {
    return this.db.tx(async (c) => {
      const r = await c.query(
        `UPDATE crm.marketing_outbox o SET status = 'sent', sent_at = now()
          WHERE o.id IN (SELECT id FROM crm.marketing_outbox WHERE status = 'queued' ORDER BY id LIMIT ${SEND_BATCH} FOR UPDATE SKIP LOCKED)`,
      );
      return r.rowCount ?? 0;
    });
  }
}
