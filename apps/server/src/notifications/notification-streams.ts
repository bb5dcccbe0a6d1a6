/**
 * The open notification streams of this server process (Server-Sent Events). A new notification is
 * announced by the database on `crm_notification` with the user's id (at commit, to every process
 * sharing it — the change feed), and each of that user's streams here sends what it has not sent
 * yet, in order. A ping event every HEARTBEAT_MS keeps proxies from closing an idle stream and
 * tells the browser the connection lives; while the change feed is down, the heartbeat also catches
 * up. A stream ends when its user changes (disabled, roles changed: the browser then needs a fresh
 * ticket, so a valid session) and when the server shuts down.
 */
import type { ServerResponse } from 'node:http';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { ChangeFeed } from '../database/change-feed.js';
import { Lifecycle } from '../health/lifecycle.js';
import { LOGGER } from '../logging/logger.token.js';
import { NotificationsService } from './notifications.service.js';

export const HEARTBEAT_MS = 20_000;
/** Notifications sent per wake-up of a stream (a reconnecting client catches up in a few). */
const BATCH = 50;
/** Streams one user may hold open on this process (tabs, devices); the oldest goes first. */
const MAX_STREAMS_PER_USER = 5;

interface Stream {
  userId: string;
  res: ServerResponse;
  lastSeq: number;
  busy: boolean;
  again: boolean;
}

@Injectable()
export class NotificationStreams implements OnModuleDestroy {
  private readonly byUser = new Map<string, Set<Stream>>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly store: NotificationsService,
    feed: ChangeFeed,
    lifecycle: Lifecycle,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    feed.on('notifications', (userId) => this.wake(userId || null));
    // A changed user (disabled, other roles) reconnects: that takes a new ticket, so a valid session.
    feed.on('users', (userId) => {
      if (userId) for (const s of [...(this.byUser.get(userId) ?? [])]) s.res.end();
    });
    lifecycle.onShutdown(() => this.closeAll());
    this.heartbeat = setInterval(() => {
      for (const set of this.byUser.values()) for (const s of set) s.res.write('event: ping\ndata: {}\n\n');
      if (!feed.live) this.wake(null);
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get count(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  /** Starts an event stream on `res` for the user, sending what came after `after` (default: from now on). */
  async open(userId: string, res: ServerResponse, after?: number): Promise<void> {
    const lastSeq = after ?? (await this.store.latestSeq(userId));
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-store, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const s: Stream = { userId, res, lastSeq, busy: false, again: false };
    const set = this.byUser.get(userId) ?? new Set<Stream>();
    if (set.size >= MAX_STREAMS_PER_USER) set.values().next().value?.res.end();
    set.add(s);
    this.byUser.set(userId, set);
    res.once('close', () => {
      set.delete(s);
      if (!set.size && this.byUser.get(userId) === set) this.byUser.delete(userId);
    });
    // The browser retries after 3 s when the connection drops (it needs a new ticket: see the web client).
    res.write(`retry: 3000\nevent: ready\ndata: ${JSON.stringify({ unread: await this.store.unread(userId), seq: lastSeq })}\n\n`);
    await this.send(s);
  }

  private wake(userId: string | null): void {
    const sets = userId ? [this.byUser.get(userId)] : [...this.byUser.values()];
    for (const set of sets) for (const s of set ?? []) void this.send(s);
  }

  /** Sends the stream's unsent notifications (one sender at a time per stream; a wake-up during a send runs again). */
  private async send(s: Stream): Promise<void> {
    if (s.busy) {
      s.again = true;
      return;
    }
    s.busy = true;
    try {
      do {
        s.again = false;
        const items = await this.store.after(s.userId, s.lastSeq, BATCH);
        if (!items.length || s.res.writableEnded) break;
        const unread = await this.store.unread(s.userId);
        for (const n of items) {
          s.res.write(`id: ${n.seq}\nevent: notification\ndata: ${JSON.stringify({ ...n, unread })}\n\n`);
          s.lastSeq = n.seq;
        }
        if (items.length === BATCH) s.again = true;
      } while (s.again && !s.res.writableEnded);
    } catch (err) {
      this.logger.warn({ err }, 'notification stream: sending failed, closing it');
      s.res.end();
    } finally {
      s.busy = false;
    }
  }

  private closeAll(): void {
    for (const set of this.byUser.values()) for (const s of [...set]) s.res.end();
  }

  onModuleDestroy(): void {
    clearInterval(this.heartbeat);
    this.closeAll();
  }
}
