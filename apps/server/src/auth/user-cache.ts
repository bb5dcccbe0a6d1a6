/**
 * Users looked up by the auth guard, cached per process so a request does not pay a database round
 * trip just to learn who is calling. Correctness over speed: the cache is used only while a LISTEN
 * connection on `crm_user_changed` is up (every change to crm.users notifies it at commit); when that
 * connection is down, every lookup goes to the database.
 */
import { Injectable, type OnModuleDestroy, type OnModuleInit, Inject } from '@nestjs/common';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Db } from '../database/db.js';
import { LOGGER } from '../logging/logger.token.js';
import { QueryCount } from '../database/query-count.js';

const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

@Injectable()
export class UserCache<T = unknown> implements OnModuleInit, OnModuleDestroy {
  private readonly entries = new Map<string, { at: number; value: T | undefined }>();
  private listener: pg.PoolClient | null = null;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly db: Db,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

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

  private async listen(): Promise<void> {
    if (this.stopped) return;
    try {
      const client = await this.db.pool.connect();
      client.on('notification', (msg) => {
        if (msg.channel === 'crm_user_changed' && msg.payload) this.entries.delete(msg.payload);
      });
      const lost = () => {
        if (this.listener !== client) return;
        this.listener = null;
        this.entries.clear();
        client.release(true);
        this.retry = setTimeout(() => void this.listen(), 2000);
        this.retry.unref();
      };
      client.on('error', lost);
      client.on('end', lost);
      await client.query('LISTEN crm_user_changed');
      this.entries.clear();
      this.listener = client;
    } catch (err) {
      this.logger.warn({ err }, 'user cache disabled until the notification channel is back');
      this.retry = setTimeout(() => void this.listen(), 2000);
      this.retry.unref();
    }
  }

  /** The cached value, or load() when absent, stale, or when no change notifications arrive. */
  async get(id: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    if (!this.listener) return load();
    const hit = this.entries.get(id);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
    const value = await QueryCount.cacheRefill(load);
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    if (this.listener) this.entries.set(id, { at: Date.now(), value });
    return value;
  }

  /** Drops a user now (the process that made the change does not wait for the notification). */
  forget(id: string): void {
    this.entries.delete(id);
  }
}
