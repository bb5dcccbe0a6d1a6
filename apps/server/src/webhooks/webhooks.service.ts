/**
 * Webhook subscriptions and the transactional outbox. Record events arrive as domain events inside
 * the writer's transaction (common/domain-events.ts): for each matching subscription, the record is
 * read again through the scoped reader AS THE SUBSCRIPTION'S OWNER (row scope, hidden fields,
 * masking — a level ≥ 3 value is clear only when the owner may unmask it), the optional FEEL filter
 * runs on that view, and a message row is inserted in the same transaction, its payload encrypted
 * at rest with the data key. No matching subscription: no interest, so the writer keeps its
 * one-statement fast path and nothing is written. Process and task events are written by row
 * triggers in the same statement as the workflow step (migration 0025). Active subscriptions are
 * cached per process and dropped on change notifications (topic `webhooks`).
 */
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { checkFeel, compileFeel, FeelShapeError } from '@crm/feel';
import type { Webhook, WebhookCreate, WebhookDelivery, WebhookDeliveryDetail, WebhookReplay, WebhookSecret } from '@crm/shared';
import { Db } from '../database/db.js';
import { ChangeFeed } from '../database/change-feed.js';
import { NotifiedCache } from '../database/notified-cache.js';
import { AppError } from '../common/app-error.js';
import { RequestContext } from '../common/request-context.js';
import { DomainEvents, type DomainEvent } from '../common/domain-events.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { FieldCrypto } from '../crypto/field-crypto.js';
import type { Principal } from '../auth/principal.js';
import { AccessService } from '../access/access.service.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { ScopedReader } from '../records/scoped-reader.js';
import { AuditService } from '../audit/audit.service.js';
import { newSecret } from './webhook-signing.js';
import { targetProblem } from './webhook-target.js';
import './webhooks.messages.js';

interface ActiveSub {
  id: string;
  events: Set<string>;
  filter: string | null;
  ownerId: string;
}

interface SubRow {
  id: string;
  url: string;
  events: string[];
  filter: string | null;
  description: string | null;
  status: 'active' | 'disabled';
  disabled_reason: string | null;
  created_at: Date;
  owner_id: string;
  owner: string | null;
  previous_secret_until: Date | null;
}

const DEFAULT_GRACE_S = 86_400;
const LIST_LIMIT = 500;
const REPLAY_LIMIT = 10_000;

/** Whether a subscription's FEEL filter is true on the data (an error counts as false). */
export function filterPasses(filter: string, data: Record<string, unknown>): boolean {
  try {
    return compileFeel(filter).evaluate(data) === true;
  } catch {
    return false;
  }
}

export function messageId(): string {
  return `msg_${randomUUID().replace(/-/g, '')}`;
}

@Injectable()
export class WebhooksService implements OnModuleInit {
  private readonly cache: NotifiedCache<ActiveSub[]>;

  constructor(
    private readonly db: Db,
    private readonly feed: ChangeFeed,
    private readonly events: DomainEvents,
    private readonly access: AccessService,
    private readonly meta: MetadataService,
    private readonly reader: ScopedReader,
    private readonly audit: AuditService,
    @Inject('FIELD_CRYPTO') private readonly crypto: FieldCrypto,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.cache = new NotifiedCache<ActiveSub[]>(feed, 'webhooks', { fallbackMs: 1000, liveMs: 300_000, maxEntries: 1 });
  }

  onModuleInit(): void {
    this.events.subscribe((e, c) => this.onRecordEvent(e, c), async (e) => (await this.matching(e)).length > 0);
  }

  // ---------- the outbox ----------

  private active(): Promise<ActiveSub[]> {
    return this.cache.get('all', async () => {
      const rows = await this.db.query<{ id: string; events: string[]; filter: string | null; owner_id: string }>(
        `SELECT id::text, events, filter, owner_id::text FROM crm.webhook_subscriptions WHERE status = 'active' ORDER BY created_at LIMIT 10000`,
      );
      return rows.map((r) => ({ id: r.id, events: new Set(r.events), filter: r.filter, ownerId: r.owner_id }));
    });
  }

  private async matching(e: DomainEvent): Promise<ActiveSub[]> {
    if (e.type === 'form.submitted') return [];
    const subs = await this.active();
    return subs.filter((s) => s.events.has(`${e.type}:${e.object}`) || s.events.has(`${e.type}:*`));
  }

  private async principalOf(c: PoolClient, id: string): Promise<Principal | null> {
    const { rows } = await c.query<{ id: string; username: string; display_name: string | null; roles: string[]; org_unit_id: string | null; disabled: boolean }>(
      'SELECT id::text AS id, username, display_name, roles, org_unit_id::text AS org_unit_id, disabled FROM crm.users WHERE id = $1::uuid',
      [id],
    );
    const u = rows[0];
    if (!u || u.disabled) return null;
    return { id: u.id, username: u.username, displayName: u.display_name, roles: u.roles, orgUnitId: u.org_unit_id, via: 'token' };
  }

  /** Writes one message per matching subscription, in the writer's transaction. */
  private async onRecordEvent(e: DomainEvent, c: PoolClient): Promise<void> {
    if (e.type === 'form.submitted') return;
    const subs = await this.matching(e);
    const at = new Date().toISOString();
    for (const s of subs) {
      const owner = await this.principalOf(c, s.ownerId);
      if (!owner) continue;
      let data: Record<string, unknown>;
      if (e.type === 'record.deleted') {
        const acc = await this.access.forObject(owner, e.object);
        if (!acc.can('read')) continue;
        data = { object: e.object, id: e.recordId };
      } else {
        let view: Record<string, unknown>;
        try {
          view = (await this.reader.get(e.object, e.recordId, owner)) as Record<string, unknown>;
        } catch (err) {
          if (err instanceof AppError && (err.status === 403 || err.status === 404)) continue; // outside the owner's reach
          throw err;
        }
        if (s.filter && !filterPasses(s.filter, view)) continue;
        data = { object: e.object, id: e.recordId, record: view };
        if (e.type === 'record.updated') data.changed = e.changed.filter((k) => k in view);
      }
      const payload = JSON.stringify({ type: `${e.type}:${e.object}`, timestamp: at, data });
      await c.query(
        `INSERT INTO crm.webhook_messages (id, subscription_id, event, order_key, payload, payload_encrypted, next_attempt_at)
         VALUES ($1, $2::uuid, $3, $4, $5, true, now())`,
        [messageId(), s.id, `${e.type}:${e.object}`, `record:${e.object}:${e.recordId}`, this.crypto.encrypt(payload)],
      );
    }
  }

  /** The stored payload as JSON text (decrypted). */
  payloadText(payload: string, encrypted: boolean): string {
    return encrypted ? this.crypto.decrypt(payload) : payload;
  }

  // ---------- subscriptions ----------

  private view(r: SubRow): Webhook {
    return {
      id: r.id, url: r.url, events: r.events, filter: r.filter, description: r.description, status: r.status, disabledReason: r.disabled_reason,
      createdAt: r.created_at.toISOString(), createdBy: r.owner, previousSecretUntil: r.previous_secret_until ? r.previous_secret_until.toISOString() : null,
    };
  }

  private readonly select = `SELECT s.id::text, s.url, s.events, s.filter, s.description, s.status, s.disabled_reason, s.created_at, s.owner_id::text, u.username AS owner, s.previous_secret_until
                               FROM crm.webhook_subscriptions s LEFT JOIN crm.users u ON u.id = s.owner_id`;

  /** A subscription is its owner's: anyone else (another holder of the right included) gets 404. */
  private async own(p: Principal, id: string): Promise<SubRow> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError(404, 'webhooks.not_found');
    const row = await this.db.one<SubRow>(`${this.select} WHERE s.id = $1::uuid AND s.owner_id = $2::uuid`, [id, p.id]);
    if (!row) throw new AppError(404, 'webhooks.not_found');
    return row;
  }

  private checkUrl(url: string): void {
    const problem = targetProblem(url, this.config.webhooks.allowedOrigins);
    if (problem === 'bad_url') throw new AppError(400, 'webhooks.bad_url');
    if (problem) throw new AppError(400, 'webhooks.url_not_allowed');
  }

  async list(p: Principal): Promise<Webhook[]> {
    const rows = await this.db.query<SubRow>(`${this.select} WHERE s.owner_id = $1::uuid ORDER BY s.created_at, s.id LIMIT ${LIST_LIMIT}`, [p.id]);
    return rows.map((r) => this.view(r));
  }

  async get(p: Principal, id: string): Promise<Webhook> {
    return this.view(await this.own(p, id));
  }

  async create(p: Principal, body: WebhookCreate): Promise<WebhookSecret> {
    this.checkUrl(body.url);
    if (body.filter) {
      const bad = checkFeel(body.filter);
      if (bad) throw new AppError(400, 'webhooks.bad_filter', { reason: bad instanceof FeelShapeError ? bad.localized(RequestContext.current()?.lang ?? 'zh-CN') : bad.message });
    }
    const events = [...new Set(body.events)];
    for (const e of events) {
      const [kind, key] = e.split(':');
      if (!kind.startsWith('record.') || key === '*') continue;
      const known = await this.meta.object(key).then(() => true, () => false);
      const acc = known ? await this.access.forObject(p, key) : null;
      if (!acc?.can('read')) throw new AppError(400, 'webhooks.object_not_readable', { object: key });
    }
    const id = randomUUID();
    const secret = newSecret();
    await this.db.tx(async (c) => {
      await c.query(
        `INSERT INTO crm.webhook_subscriptions (id, url, events, filter, description, secret_enc, owner_id) VALUES ($1, $2, $3, $4, $5, $6, $7::uuid)`,
        [id, body.url, events, body.filter ?? null, body.description ?? null, this.crypto.encrypt(secret), p.id],
      );
      await this.audit.record({ action: 'webhook.create', data: { id, url: body.url, events } });
    });
    this.feed.changed('webhooks');
    return { id, secret };
  }

  async remove(p: Principal, id: string): Promise<void> {
    await this.own(p, id);
    await this.db.tx(async (c) => {
      await c.query('DELETE FROM crm.webhook_subscriptions WHERE id = $1::uuid', [id]);
      await this.audit.record({ action: 'webhook.delete', data: { id } });
    });
    this.feed.changed('webhooks');
  }

  /** A new secret; the current one keeps signing (beside it) for graceSeconds. */
  async rotate(p: Principal, id: string, graceSeconds = DEFAULT_GRACE_S): Promise<WebhookSecret> {
    await this.own(p, id);
    const secret = newSecret();
    await this.db.tx(async (c) => {
      await c.query(
        `UPDATE crm.webhook_subscriptions SET previous_secret_enc = secret_enc, previous_secret_until = now() + make_interval(secs => $3::int), secret_enc = $2 WHERE id = $1::uuid`,
        [id, this.crypto.encrypt(secret), graceSeconds],
      );
      await this.audit.record({ action: 'webhook.rotate', data: { id, graceSeconds } });
    });
    this.feed.changed('webhooks');
    return { id, secret };
  }

  async enable(p: Principal, id: string): Promise<Webhook> {
    await this.own(p, id);
    await this.db.query(`UPDATE crm.webhook_subscriptions SET status = 'active', disabled_reason = NULL, failing_since = NULL WHERE id = $1::uuid`, [id]);
    this.feed.changed('webhooks');
    return this.get(p, id);
  }

  // ---------- the delivery log ----------

  async deliveries(p: Principal, id: string, q: { status?: WebhookDelivery['status']; limit?: number }): Promise<WebhookDelivery[]> {
    await this.own(p, id);
    const rows = await this.db.query<{ id: string; event: string; status: WebhookDelivery['status']; attempts: number; last_status_code: number | null; next_attempt_at: Date | null; created_at: Date }>(
      `SELECT id, event, status, attempts, last_status_code, next_attempt_at, created_at FROM crm.webhook_messages
        WHERE subscription_id = $1::uuid AND ($2::text IS NULL OR status = $2) ORDER BY created_at DESC, seq DESC LIMIT $3`,
      [id, q.status ?? null, q.limit ?? 100],
    );
    return rows.map((r) => ({
      messageId: r.id, event: r.event, status: r.status, attempts: r.attempts, lastStatusCode: r.last_status_code,
      nextAttemptAt: r.status === 'pending' && r.next_attempt_at ? r.next_attempt_at.toISOString() : null, createdAt: r.created_at.toISOString(),
    }));
  }

  async delivery(p: Principal, id: string, messageId: string): Promise<WebhookDeliveryDetail> {
    await this.own(p, id);
    const m = await this.db.one<{ id: string; event: string; status: WebhookDelivery['status']; attempts: number; last_status_code: number | null; next_attempt_at: Date | null; created_at: Date }>(
      'SELECT id, event, status, attempts, last_status_code, next_attempt_at, created_at FROM crm.webhook_messages WHERE subscription_id = $1::uuid AND id = $2',
      [id, messageId],
    );
    if (!m) throw new AppError(404, 'webhooks.message_not_found');
    const attempts = await this.db.query<{ at: Date; status_code: number | null; latency_ms: number; error: string | null; response_excerpt: string | null }>(
      'SELECT at, status_code, latency_ms, error, response_excerpt FROM crm.webhook_attempts WHERE message_id = $1 ORDER BY id LIMIT 200',
      [messageId],
    );
    return {
      messageId: m.id, event: m.event, status: m.status, attempts: m.attempts, lastStatusCode: m.last_status_code,
      nextAttemptAt: m.status === 'pending' && m.next_attempt_at ? m.next_attempt_at.toISOString() : null, createdAt: m.created_at.toISOString(),
      attemptLog: attempts.map((a) => ({ at: a.at.toISOString(), statusCode: a.status_code, latencyMs: a.latency_ms, error: a.error, responseExcerpt: a.response_excerpt })),
    };
  }

  /** Queues a `webhook.ping` message for the subscription (delivered, signed and logged like any other). */
  async ping(p: Principal, id: string): Promise<{ messageId: string }> {
    const sub = await this.own(p, id);
    const mid = messageId();
    const payload = JSON.stringify({ type: 'webhook.ping', timestamp: new Date().toISOString(), data: { subscriptionId: sub.id } });
    await this.db.tx(async (c) => {
      await c.query(
        `INSERT INTO crm.webhook_messages (id, subscription_id, event, order_key, payload, payload_encrypted, next_attempt_at)
         VALUES ($1, $2::uuid, 'webhook.ping', $1, $3, true, now())`,
        [mid, sub.id, this.crypto.encrypt(payload)],
      );
      await this.audit.record({ action: 'webhook.ping', data: { id } });
    });
    return { messageId: mid };
  }

  /** Queues one message, or every message created in [from, to], for delivery again (at most 10,000). */
  async replay(p: Principal, id: string, body: WebhookReplay): Promise<{ replayed: number }> {
    await this.own(p, id);
    const res = await this.db.tx(async (c) => {
      const r = await c.query(
        `UPDATE crm.webhook_messages m SET status = 'pending', next_attempt_at = now(), leased_until = NULL, lease_owner = NULL, finished_at = NULL
          WHERE m.id IN (SELECT id FROM crm.webhook_messages
                          WHERE subscription_id = $1::uuid
                            AND ($2::text IS NULL OR id = $2)
                            AND ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::timestamptz IS NULL OR created_at <= $4)
                          ORDER BY seq LIMIT ${REPLAY_LIMIT})`,
        [id, body.messageId ?? null, body.from ?? null, body.to ?? null],
      );
      await this.audit.record({ action: 'webhook.replay', data: { id, ...body, replayed: r.rowCount ?? 0 } });
      return r.rowCount ?? 0;
    });
    if (body.messageId && !res) throw new AppError(404, 'webhooks.message_not_found');
    return { replayed: res };
  }
}
