/**
 * Report sources besides the metadata objects: rows a module keeps in its own tables (campaign
 * members) that the report engine reads like an object — fields for dimensions, measures, filters and
 * relation paths — through the module's own row scope. A source registers itself at start-up; a report
 * names it as its `object`. Its rows are never a records list (no cell records, no record links) and
 * its answers are not cached (the module's writes do not announce themselves on the change feed).
 */
import { Injectable } from '@nestjs/common';
import type { ObjectAccess } from '../access/access.service.js';
import type { Principal } from '../auth/principal.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import type { SystemRead } from '../records/scoped-reader.js';

export interface ReportSourceProvider {
  /** The key reports name as their object (never a metadata object's key). */
  readonly key: string;
  /** The fields as the engine sees them, for type checks without a caller (choices may be empty). */
  meta(): ObjectMeta;
  /** Whether `p` may read reports over this source (others get 404 for them). */
  mayRead(p: Principal): Promise<boolean>;
  /**
   * The rows `who` may aggregate as a FROM item aliased `alias` (with the engine's system columns and
   * every field as a column), the fields (choices filled in) and the access (field modes).
   */
  source(who: Principal | SystemRead, params: unknown[], alias: string): Promise<{ o: ObjectMeta; acc: ObjectAccess; sql: string }>;
}

@Injectable()
export class ReportSourceRegistry {
  private readonly providers = new Map<string, ReportSourceProvider>();

  register(p: ReportSourceProvider): void {
    this.providers.set(p.key, p);
  }

  get(key: string): ReportSourceProvider | undefined {
    return this.providers.get(key);
  }

  has(key: string): boolean {
    return this.providers.has(key);
  }

  keys(): string[] {
    return [...this.providers.keys()];
  }
}

/** The access of a source's reader: every field readable, no unmask, no record actions but read. */
export function readOnlyAccess(object: string, may: boolean): ObjectAccess {
  return { object, can: (a) => may && a === 'read', scopes: () => [], fieldMode: () => 'read', unmask: false };
}
