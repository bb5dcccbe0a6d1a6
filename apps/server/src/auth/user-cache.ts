/**
 * Users looked up by the auth guard, cached per process so a request does not pay a database round
 * trip just to learn who is calling. Correctness over speed: the cache is used only while the
 * process's change feed is listening (every change to crm.users notifies `crm_user_changed` at
 * commit, from whichever process or worker made it); when that connection is down, every lookup goes
 * to the database.
 */
import { Injectable } from '@nestjs/common';
import { ChangeFeed } from '../database/change-feed.js';
import { NotifiedCache } from '../database/notified-cache.js';

@Injectable()
export class UserCache<T = unknown> {
  private readonly cache: NotifiedCache<T | undefined>;

  constructor(private readonly feed: ChangeFeed) {
    this.cache = new NotifiedCache(feed, 'users', { fallbackMs: 0, liveMs: 60_000, maxEntries: 10_000, keyed: true });
  }

  /** The cached value, or load() when absent, stale, or when no change notifications arrive. */
  get(id: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    return this.cache.get(id, load);
  }

  /** Drops a user now (the process that made the change does not wait for the notification). */
  forget(id: string): void {
    this.feed.changed('users', id);
  }
}
