/**
 * A bounded per-process cache whose entries a ChangeFeed topic invalidates. While notifications
 * arrive an entry lives up to `liveMs` (a safety net; the notification normally ends it first);
 * when they do not, only `fallbackMs` (0: not cached at all). A load that overlaps a change of its
 * topic is answered but not kept, so a value read just before another process's commit cannot
 * outlive that commit's notification. A value read inside a transaction lives only `fallbackMs`:
 * the transaction may have changed it and roll back, and a rollback notifies nobody. Concurrent
 * misses of one key outside a transaction join one load (eight clients used to send eight identical
 * reads), and every load is counted as a cache refill in the query counters.
 */
import type { ChangeFeed, ChangeTopic } from './change-feed.js';
import { UnitOfWork } from './unit-of-work.js';
import { InFlight } from '../common/in-flight.js';
import { QueryCount } from './query-count.js';

export interface NotifiedCacheOptions {
  fallbackMs: number;
  liveMs: number;
  maxEntries: number;
  /** The topic's key names one entry (a user id): drop that one; otherwise any change drops all. */
  keyed?: boolean;
}

export class NotifiedCache<V> {
  private readonly entries = new Map<string, { at: number; value: V; fromTransaction: boolean }>();
  private readonly loads = new InFlight<string, V>();

  constructor(
    private readonly feed: ChangeFeed | undefined,
    private readonly topic: ChangeTopic,
    private readonly opts: NotifiedCacheOptions,
  ) {
    feed?.on(topic, (key) => (opts.keyed && key ? this.delete(key) : this.clear()));
  }

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const ttl = this.feed?.live ? this.opts.liveMs : this.opts.fallbackMs;
    if (ttl <= 0) return load();
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < (hit.fromTransaction ? Math.min(ttl, this.opts.fallbackMs) : ttl)) return hit.value;
    const fromTransaction = !!UnitOfWork.current();
    const refill = (current: () => boolean) => QueryCount.cacheRefill(async () => {
      const generation = this.feed?.generation(this.topic);
      const value = await load();
      const unchanged = this.feed?.generation(this.topic) === generation && current();
      if (unchanged && !(fromTransaction && this.opts.fallbackMs <= 0)) {
        if (this.entries.size >= this.opts.maxEntries) this.entries.clear();
        this.entries.set(key, { at: Date.now(), value, fromTransaction });
      }
      return value;
    });
    // A read inside a transaction runs on its connection: not shared (its failure is its own).
    return fromTransaction ? refill(() => true) : this.loads.run(key, refill);
  }

  /** Drops one entry; a load of it already running may predate the change, so it is not joined or kept. */
  delete(key: string): void {
    this.entries.delete(key);
    this.loads.forget(key);
  }

  clear(): void {
    this.entries.clear();
    this.loads.forget();
  }
}
