/**
 * Report answers cached per process, keyed by the compiled statement and its parameters — which hold
 * the report's definition (version), its filters and drill-down, and the viewer's row scope — plus the
 * language. An entry is dropped when records of an object it read change (heard from RecordChanges,
 * across processes), on any user change, and after a minute at most (org-tree moves are not announced).
 * Nothing is cached while change notifications are off, nor an answer computed while a change arrived,
 * nor one the caller says is not current (a replica answer that may miss a change already heard).
 */
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { RecordChanges } from '../records/record-changes.js';

const TTL_MS = 60_000;
const MAX_ENTRIES = 2000;

interface Entry<T> {
  at: number;
  objects: string[];
  value: T;
}

@Injectable()
export class ReportCache<T = unknown> implements OnModuleDestroy {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly changes: RecordChanges) {
    this.unsubscribe = changes.subscribe((object) => {
      if (object === '*') this.entries.clear();
      else for (const [k, e] of this.entries) if (e.objects.includes(object)) this.entries.delete(k);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  static key(parts: unknown[]): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
  }

  get(key: string): T | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (!this.changes.live || Date.now() - e.at > TTL_MS) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  /**
   * Computes the value (or returns the cached one) — `compute` runs with nothing cached when the
   * objects cannot be watched or a change to them is heard while it runs, or when `keep` says no.
   */
  async through(key: string, objects: string[], compute: () => Promise<T>, keep: () => boolean = () => true): Promise<{ value: T; cached: boolean }> {
    const hit = this.get(key);
    if (hit !== undefined) return { value: hit, cached: true };
    const watching = this.changes.live && (await this.changes.watch(objects));
    const before = this.changes.stamp(objects);
    const value = await compute();
    if (watching && this.changes.live && this.changes.stamp(objects) === before && keep()) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(key, { at: Date.now(), objects, value });
    }
    return { value, cached: false };
  }
}
