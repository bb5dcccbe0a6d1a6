/**
 * Display values: what a screen shows for a relation, user or org-unit field instead of the id it
 * holds — the target's title as the caller may see it. A related record goes through the scoped
 * reader (a record the caller may not read is `restricted`, with no title: its id, title and
 * existence stay hidden behind 「受限」); users and org units show their names (the staff directory
 * and the org tree are known to every signed-in user).
 */
import { Injectable } from '@nestjs/common';
import type { DisplayValue } from '@crm/shared';
import type { FieldDef } from '@crm/form-engine';
import { Db } from '../database/db.js';
import type { Principal } from '../auth/principal.js';
import { ScopedReader } from './scoped-reader.js';
import { directoryNames } from '../common/directory-names.js';

export type { DisplayValue };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The most ids resolved for one answer (a page of records holds at most this many references). */
const MAX_REFS = 2000;

type Ref = { kind: 'record'; object: string; id: string } | { kind: 'user' | 'org_unit'; id: string };

function refOf(f: FieldDef, v: unknown): Ref | null {
  if (typeof v !== 'string' || !UUID.test(v)) return null;
  const id = v.toLowerCase();
  if (f.type === 'relation' && f.target) return { kind: 'record', object: f.target, id };
  if (f.type === 'user' || f.type === 'org_unit') return { kind: f.type === 'user' ? 'user' : 'org_unit', id };
  return null;
}

const keyOf = (r: Ref) => (r.kind === 'record' ? `${r.object}:${r.id}` : `${r.kind}:${r.id}`);

@Injectable()
export class DisplayValues {
  constructor(
    private readonly db: Db,
    private readonly reader: ScopedReader,
  ) {}

  /**
   * For each row, its relation / user / org-unit fields that hold an id → what to show. A field the
   * caller sees masked or not at all holds no id here and gets no entry.
   */
  async forRows(fields: FieldDef[], rows: Record<string, unknown>[], p: Principal): Promise<Record<string, DisplayValue>[]> {
    const refFields = fields.filter((f) => f.type === 'relation' || f.type === 'user' || f.type === 'org_unit');
    const refs = new Map<string, Ref>();
    for (const row of rows) for (const f of refFields) {
      const r = refOf(f, row[f.key]);
      if (r && refs.size < MAX_REFS) refs.set(keyOf(r), r);
    }
    const known = await this.resolve([...refs.values()], p);
    return rows.map((row) => {
      const out: Record<string, DisplayValue> = {};
      for (const f of refFields) {
        const r = refOf(f, row[f.key]);
        if (!r) continue;
        const k = keyOf(r);
        out[f.key] = known.has(k) ? { title: known.get(k) ?? null, restricted: false } : { title: null, restricted: true };
      }
      return out;
    });
  }

  /** `key` → title of every reference the caller may see; an unreadable or missing target is absent. */
  private async resolve(refs: Ref[], p: Principal): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    const records = refs.filter((r): r is Extract<Ref, { kind: 'record' }> => r.kind === 'record');
    if (records.length) for (const [k, v] of await this.reader.titles(records, p)) out.set(k, v);
    for (const kind of ['user', 'org_unit'] as const) {
      const ids = refs.filter((r) => r.kind === kind).map((r) => r.id);
      for (const [id, name] of await directoryNames(this.db, kind === 'user' ? 'users' : 'org_units', ids, MAX_REFS)) out.set(`${kind}:${id}`, name);
    }
    return out;
  }
}
