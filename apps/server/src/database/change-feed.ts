/**
 * The one LISTEN connection of a server process: change notifications that PostgreSQL delivers at
 * commit, from every process sharing the database (`crm_user_changed` with a user id,
 * `crm_cache_changed` with a cache name, `crm_records_changed` with a record table's name,
 * `crm_notification` with a user id — see migrations 0006, 0021, 0022 and 0037). Per-process caches subscribe
 * to their topic and drop entries when told. Correctness over speed: a cache may keep an entry past
 * its short fallback TTL only while `live` (the connection is up); when it drops, every subscriber
 * is reset and caches fall back to short lifetimes until it is back.
 */
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Db } from './db.js';
import { LOGGER } from '../logging/logger.token.js';
import { RequestContext } from '../common/request-context.js';

export type ChangeTopic = 'users' | 'records' | 'roles' | 'meta' | 'forms' | 'wf_triggers' | 'org_units' | 'webhooks' | 'sso' | 'notifications';

const CHANNELS: Record<string, (payload: string) => { topic: ChangeTopic; key: string } | null> = {
  crm_user_changed: (payload) => ({ topic: 'users', key: payload }),
  crm_records_changed: (payload) => ({ topic: 'records', key: payload }),
  crm_cache_changed: (payload) => (TOPICS.has(payload) ? { topic: payload as ChangeTopic, key: '' } : null),
  // A new notification for a user id (migration 0037): their open streams fetch it.
  crm_notification: (payload) => ({ topic: 'notifications', key: payload }),
};
const TOPICS = new Set<string>(['roles', 'meta', 'forms', 'wf_triggers', 'org_units', 'webhooks', 'sso']);
export type Change = [topic: ChangeTopic, key: string];
const isTopic = (t: unknown): t is ChangeTopic => t === 'users' || t === 'records' || t === 'notifications' || TOPICS.has(t as string);
const RETRY_MS = 2000;

@Injectable()
export class ChangeFeed implements OnModuleInit, OnModuleDestroy {
  private readonly handlers = new Map<ChangeTopic, ((key: string) => void)[]>();
  /** Bumped on every notification of a topic and on every reset: a load that began before a bump must not be cached. */
  private readonly generations = new Map<ChangeTopic, number>();
  private readonly pending = new WeakMap<object, Map<string, Change>>();
  private listener: pg.PoolClient | null = null;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly db: Db,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Whether notifications arrive now: only then may a cache trust an entry for long. */
  get live(): boolean {
    return this.listener !== null;
  }

  /** Calls fn with the changed key ('' for a whole cache) on each change, and with '' on every reset. */
  on(topic: ChangeTopic, fn: (key: string) => void): void {
    const list = this.handlers.get(topic) ?? [];
    list.push(fn);
    this.handlers.set(topic, list);
  }

  /**
   * This process changed what a topic caches: its own entries go now, and a change made while serving
   * a request is kept for that request, so that cluster workers hear of it before the answer leaves
   * (cluster/worker.ts): NOTIFY alone could reach another worker after the client's next request.
   */
  changed(topic: ChangeTopic, key = ''): void {
    this.emit(topic, key);
    const facts = RequestContext.current();
    if (!facts) return;
    const list = this.pending.get(facts) ?? new Map<string, Change>();
    list.set(`${topic}\u0000${key}`, [topic, key]);
    this.pending.set(facts, list);
  }

  /** The changes the current request made (and forgets them). */
  takeRequestChanges(): Change[] {
    const facts = RequestContext.current();
    const list = facts ? this.pending.get(facts) : undefined;
    if (!facts || !list) return [];
    this.pending.delete(facts);
    return [...list.values()];
  }

  /** Changes another worker of this server made (over the cluster's IPC channel). */
  applyPeerChanges(changes: unknown): void {
    if (!Array.isArray(changes)) return;
    for (const c of changes) if (Array.isArray(c) && isTopic(c[0]) && typeof c[1] === 'string') this.emit(c[0], c[1]);
  }

  /** A counter that moves on every change of the topic: compare it before and after a load. */
  generation(topic: ChangeTopic): number {
    return this.generations.get(topic) ?? 0;
  }

  async onModuleInit(): Promise<void> {
    await this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const l = this.listener;
    this.listener = null;
    l?.release(true);
  }

  private emit(topic: ChangeTopic, key: string): void {
    this.generations.set(topic, this.generation(topic) + 1);
    for (const fn of this.handlers.get(topic) ?? []) fn(key);
  }

  private resetAll(): void {
    for (const topic of ['users', 'records', 'notifications', ...TOPICS] as ChangeTopic[]) this.emit(topic, '');
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    try {
      const client = await this.db.pool.connect();
      try {
        await client.query(Object.keys(CHANNELS).map((c) => `LISTEN ${c}`).join('; '));
      } catch (err) {
        client.release(true);
        throw err;
      }
      client.on('notification', (msg) => {
        const change = msg.payload ? CHANNELS[msg.channel]?.(msg.payload) : null;
        if (change) this.emit(change.topic, change.key);
      });
      const lost = () => {
        if (this.listener !== client) return;
        this.listener = null;
        this.resetAll();
        client.release(true);
        this.again();
      };
      client.on('error', lost);
      client.on('end', lost);
      // Whatever changed while nobody listened is unknown: start from empty caches.
      this.resetAll();
      this.listener = client;
    } catch (err) {
      this.logger.warn({ err }, 'change notifications unavailable: caches use short lifetimes until they are back');
      this.again();
    }
  }

  private again(): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => void this.listen(), RETRY_MS);
    this.retry.unref();
  }
}
