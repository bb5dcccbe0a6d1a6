/**
 * The one LISTEN connection of a server process: change notifications that PostgreSQL delivers at
 * commit, from every process sharing the database (`crm_user_changed` with a user id,
 * `crm_cache_changed` with a cache name — see migrations 0006 and 0020). Per-process caches subscribe
 * to their topic and drop entries when told. Correctness over speed: a cache may keep an entry past
 * its short fallback TTL only while `live` (the connection is up); when it drops, every subscriber
 * is reset and caches fall back to short lifetimes until it is back.
 */
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Db } from './db.js';
import { LOGGER } from '../logging/logger.token.js';

export type ChangeTopic = 'users' | 'roles' | 'meta' | 'forms' | 'wf_triggers' | 'org_units';

const CHANNELS: Record<string, (payload: string) => { topic: ChangeTopic; key: string } | null> = {
  crm_user_changed: (payload) => ({ topic: 'users', key: payload }),
  crm_cache_changed: (payload) => (TOPICS.has(payload) ? { topic: payload as ChangeTopic, key: '' } : null),
};
const TOPICS = new Set<string>(['roles', 'meta', 'forms', 'wf_triggers', 'org_units']);
const RETRY_MS = 2000;

@Injectable()
export class ChangeFeed implements OnModuleInit, OnModuleDestroy {
  private readonly handlers = new Map<ChangeTopic, ((key: string) => void)[]>();
  /** Bumped on every notification of a topic and on every reset: a load that began before a bump must not be cached. */
  private readonly generations = new Map<ChangeTopic, number>();
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
    for (const topic of ['users', ...TOPICS] as ChangeTopic[]) this.emit(topic, '');
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
