/**
 * The notification centre's store: each user's bounded list (the database writes new-task and
 * finished-job notifications itself, migration 0037), read marks, single-use stream tickets, and the
 * SLA sweep that warns a task's assignee or candidates once when it comes near its due time and once
 * when it is over. Every statement is scoped to the caller's own user id: another user's
 * notification answers exactly like a missing one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Notification, NotificationListQuery, NotificationPage, NotificationRead, StreamTicket, Unserialized } from '@crm/shared';
import type { z } from 'zod';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import type { Principal } from '../auth/principal.js';
import { LOGGER } from '../logging/logger.token.js';
import './notifications.messages.js';

export const NOTIFICATIONS_CLOCK = Symbol('NOTIFICATIONS_CLOCK');
export type Clock = () => Date;

/** A stream ticket opens one stream within this time. */
export const TICKET_TTL_MS = 30_000;
/** A task due within this time gets its "near" warning. */
export const SLA_WARN_MS = 60 * 60_000;
const SLA_SWEEP_MS = 60_000;
const SLA_BATCH = 500;

interface NotificationRow {
  id: string;
  seq: string;
  kind: Notification['kind'];
  ref: string;
  title: string;
  due_at: Date | null;
  created_at: Date;
  read_at: Date | null;
}

const COLUMNS = 'id, seq::text AS seq, kind, ref, title, due_at, created_at, read_at';

export function notificationOf(r: NotificationRow): Unserialized<Notification> {
  return { id: r.id, seq: Number(r.seq), kind: r.kind, ref: r.ref, title: r.title, dueAt: r.due_at, createdAt: r.created_at, readAt: r.read_at };
}

const ticketHash = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

@Injectable()
export class NotificationsService implements OnApplicationBootstrap, OnModuleDestroy {
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    @Inject(NOTIFICATIONS_CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => {
      this.sweepSla().catch((err: unknown) => this.logger.warn({ err }, 'SLA warning sweep failed'));
    }, SLA_SWEEP_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  async list(p: Principal, q: z.infer<typeof NotificationListQuery>): Promise<Unserialized<NotificationPage>> {
    const params: unknown[] = [p.id, q.limit + 1];
    const where = ['user_id = $1'];
    if (q.before !== undefined) where.push(`seq < $${params.push(q.before)}`);
    if (q.unread === '1') where.push('read_at IS NULL');
    const rows = await this.db.query<NotificationRow>(`SELECT ${COLUMNS} FROM crm.notifications WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $2`, params);
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    return { items: page.map(notificationOf), unread: await this.unread(p.id), nextBefore: more ? Number(page[page.length - 1]!.seq) : null };
  }

  /** The user's notifications after `seq`, oldest first (what a stream has not sent yet), bounded. */
  async after(userId: string, seq: number, limit: number): Promise<Unserialized<Notification>[]> {
    const rows = await this.db.query<NotificationRow>(`SELECT ${COLUMNS} FROM crm.notifications WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [userId, seq, limit]);
    return rows.map(notificationOf);
  }

  /** The seq of the user's newest notification (0 when none): a new stream starts after it. */
  async latestSeq(userId: string): Promise<number> {
    const r = await this.db.one<{ seq: string | null }>('SELECT max(seq)::text AS seq FROM crm.notifications WHERE user_id = $1', [userId]);
    return Number(r?.seq ?? 0);
  }

  async unread(userId: string): Promise<number> {
    const r = await this.db.one<{ n: number }>('SELECT count(*)::int AS n FROM crm.notifications WHERE user_id = $1 AND read_at IS NULL', [userId]);
    return r?.n ?? 0;
  }

  async markRead(p: Principal, id: string): Promise<NotificationRead> {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
    const hit = uuid
      ? await this.db.one('UPDATE crm.notifications SET read_at = coalesce(read_at, $3) WHERE id = $1 AND user_id = $2 RETURNING id', [id, p.id, this.clock()])
      : undefined;
    if (!hit) throw new AppError(404, 'notifications.not_found');
    return { unread: await this.unread(p.id) };
  }

  async markAllRead(p: Principal): Promise<NotificationRead> {
    await this.db.query('UPDATE crm.notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL', [p.id, this.clock()]);
    return { unread: 0 };
  }

  /** A random ticket (stored only as its hash) that opens one stream for the caller, within TICKET_TTL_MS. */
  async issueTicket(p: Principal): Promise<Unserialized<StreamTicket>> {
    const ticket = randomBytes(32).toString('base64url');
    const now = this.clock();
    const expiresAt = new Date(now.getTime() + TICKET_TTL_MS);
    await this.db.query('DELETE FROM crm.notification_tickets WHERE expires_at < $1', [now]);
    await this.db.query('INSERT INTO crm.notification_tickets (hash, user_id, expires_at) VALUES ($1, $2, $3)', [ticketHash(ticket), p.id, expiresAt]);
    return { ticket, expiresAt };
  }

  /** The active user a ticket was issued to, once: the ticket is gone whether it was still valid or not. */
  async redeemTicket(ticket: string): Promise<string | null> {
    const r = await this.db.one<{ user_id: string; live: boolean }>(
      `DELETE FROM crm.notification_tickets t USING crm.users u WHERE t.hash = $1 AND u.id = t.user_id
       RETURNING t.user_id::text AS user_id, (t.expires_at > $2 AND NOT u.disabled) AS live`,
      [ticketHash(ticket), this.clock()],
    );
    return r?.live ? r.user_id : null;
  }

  /**
   * Warns the people an open task waits for, once when it comes within SLA_WARN_MS of its due time and
   * once when it is past it. Tasks are taken with SKIP LOCKED, so several server processes share the work.
   */
  async sweepSla(now: Date = this.clock()): Promise<number> {
    return this.db.tx(async (c) => {
      const { rows } = await c.query<{ n: number }>(
        `WITH due AS (
           SELECT id, CASE WHEN due_at <= $1 THEN 'over' ELSE 'near' END AS level FROM crm.wf_tasks
            WHERE status = 'open' AND due_at IS NOT NULL AND due_at <= $2
              AND (sla_notified IS NULL OR (sla_notified = 'near' AND due_at <= $1))
            ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED),
         marked AS (
           UPDATE crm.wf_tasks t SET sla_notified = due.level FROM due WHERE t.id = due.id
           RETURNING t.id, t.name, t.activity_id, t.assignee, t.candidate_groups, t.candidate_org_units, t.exclude_users, t.due_at, due.level),
         added AS (
           INSERT INTO crm.notifications (user_id, kind, ref, title, due_at)
           SELECT r.user_id, 'task.sla_' || m.level, m.id, coalesce(m.name, m.activity_id), m.due_at
             FROM marked m CROSS JOIN LATERAL crm.task_recipients(m.assignee, m.candidate_groups, m.candidate_org_units, m.exclude_users) r
           RETURNING 1)
         SELECT (SELECT count(*) FROM marked)::int AS n, (SELECT count(*) FROM added) AS added`,
        [now, new Date(now.getTime() + SLA_WARN_MS), SLA_BATCH],
      );
      return rows[0]?.n ?? 0;
    });
  }
}
