/**
 * The org tree as sets of unit ids, per process, for the record reader's SQL: a row scope "org
 * subtree" and a `$orgLevel` filter name their units as one array parameter rather than a subquery on
 * crm.org_units, so PostgreSQL estimates the rows from the column's statistics for those very units.
 * (Profiled at 1,000,000 customers: the subquery form was estimated at 6 rows where a customer
 * manager's cell held 241,450, so the list behind the cell sorted all of them — 2.6 s — instead of
 * reading its first page in order from the created_at index.) The org_units change topic drops the
 * tree; while change notifications do not arrive it is not kept at all. A tree of more than MAX_UNITS
 * units is not held: the reader then keeps the subquery form.
 */
import { Injectable, Optional } from '@nestjs/common';
import { ChangeFeed } from '../database/change-feed.js';
import { Db } from '../database/db.js';
import { NotifiedCache } from '../database/notified-cache.js';

const MAX_UNITS = 20_000;

export interface OrgUnitSets {
  /** The unit and every unit under it (none for an unknown id). */
  subtree(id: string): string[];
  /** Units whose path has `id` at depth `level` (1 = a root): `id`'s subtree when it sits at that depth, else none. */
  atLevel(level: number, id: string): string[];
}

/** The sets of a tree given as each unit's path (its ancestors from the root, then itself). */
export function orgUnitSets(units: { id: string; path: string[] }[]): OrgUnitSets {
  const under = new Map<string, string[]>();
  const depth = new Map<string, number>();
  for (const u of units) {
    depth.set(u.id, u.path.length);
    for (const a of u.path) {
      const list = under.get(a) ?? [];
      list.push(u.id);
      under.set(a, list);
    }
  }
  const subtree = (id: string) => under.get(id.toLowerCase()) ?? [];
  return { subtree, atLevel: (level, id) => (depth.get(id.toLowerCase()) === level ? subtree(id) : []) };
}

@Injectable()
export class OrgTree {
  private readonly cache: NotifiedCache<OrgUnitSets | null>;

  constructor(
    private readonly db: Db,
    @Optional() feed?: ChangeFeed,
  ) {
    this.cache = new NotifiedCache(feed, 'org_units', { fallbackMs: 0, liveMs: 60_000, maxEntries: 1 });
  }

  /** The current tree's sets, or null when it is too large to hold. */
  sets(): Promise<OrgUnitSets | null> {
    return this.cache.get('', async () => {
      const rows = await this.db.query<{ id: string; path: string[] }>(`SELECT id::text AS id, path::text[] AS path FROM crm.org_units LIMIT ${MAX_UNITS + 1}`);
      return rows.length > MAX_UNITS ? null : orgUnitSets(rows);
    });
  }
}
