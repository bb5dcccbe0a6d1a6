/**
 * Users looked up by the auth guard, cached per process so a request does not pay a database round
 * trip just to learn who is calling. Correctness over speed: the cache is used only while a LISTEN
 * connection on `crm_user_changed` is up (every change to crm.users notifies it at commit); when that
 * connection is down, every lookup goes to the database.
 */
import { Injectable, type OnModuleDestroy, type OnModuleInit, Inject } from '@nestjs/common';
import type { Logger } from 'pino';
import { Db } from '../database/db.js';
import { ChannelListener } from '../database/channel-listener.js';
import { LOGGER } from '../logging/logger.token.js';

const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

@Injectable()
export class UserCache<T = unknown> implements OnModuleInit, OnModuleDestroy {
  private readonly entries = new Map<string, { at: number; value: T | undefined }>();
  private readonly listener: ChannelListener;

  constructor(db: Db, @Inject(LOGGER) logger: Logger) {
    this.listener = new ChannelListener(db, logger, ['crm_user_changed'], {
      message: (_channel, payload) => {
        if (payload) this.entries.delete(payload);
      },
      up: () => this.entries.clear(),
      down: () => this.entries.clear(),
    }, 'user cache');
  }

  async onModuleInit(): Promise<void> {
    await this.listener.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.listener.stop();
  }

  /** The cached value, or load() when absent, stale, or when no change notifications arrive. */
  async get(id: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    if (!this.listener.live) return load();
    const hit = this.entries.get(id);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
    const value = await load();
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    if (this.listener.live) this.entries.set(id, { at: Date.now(), value });
    return value;
  }

  /** Drops a user now (the process that made the change does not wait for the notification). */
  forget(id: string): void {
    this.entries.delete(id);
  }
}
