/**
 * What an audit reader sees of the record values kept in the trail. Sensitive values are masked when
 * written; on top of that, record values pass through the reader's own field rights for that object:
 * a field the reader may not read is left out, a field they see masked is masked. The audit trail thus
 * shows who did what and when to everyone holding `audit.read`, but no value the reader could not see
 * through the records API (the security administrator can grant auditors read rights on objects).
 * Field names (which fields changed, which were read unmasked) stay: they are metadata, not values;
 * so do the field names of an export's filter, whose values pass through the same rights.
 */
import type { AuditEntry, Unserialized } from '@crm/shared';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { maskedWithoutUnmask, maskValue, type FieldDef } from '@crm/form-engine';
import { AccessService, type ObjectAccess } from '../access/access.service.js';
import type { Principal } from '../auth/principal.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { filterForReader } from '../records/filter-secrets.js';

const RECORD_SYSTEM = new Set(['id', 'version', 'created_at', 'updated_at', 'created_by', 'updated_by', 'owner_id', 'org_unit_id', 'form_key', 'form_version']);

/** An entry as listed: the shared contract's shape, timestamps still dates. */
type Item = Unserialized<AuditEntry>;

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

@Injectable()
export class AuditView {
  constructor(
    private readonly access: AccessService,
    private readonly modules: ModuleRef,
  ) {}

  private async fieldsOf(object: string): Promise<Map<string, FieldDef>> {
    // Resolved lazily: the metadata service itself writes audit entries.
    const meta = this.modules.get(MetadataService, { strict: false });
    try {
      return (await meta.object(object)).byKey;
    } catch {
      return new Map();
    }
  }

  async forReader(items: Item[], p: Principal): Promise<Item[]> {
    const cache = new Map<string, Promise<{ acc: ObjectAccess; fields: Map<string, FieldDef> }>>();
    const rights = (object: string) => {
      let hit = cache.get(object);
      if (!hit) {
        hit = Promise.all([this.access.forObject(p, object), this.fieldsOf(object)]).then(([acc, fields]) => ({ acc, fields }));
        cache.set(object, hit);
      }
      return hit;
    };
    const out: Item[] = [];
    for (const item of items) {
      const data = item.data;
      if (typeof item.action !== 'string' || !item.action.startsWith('record.') || typeof item.object !== 'string' || !isPlain(data)) {
        out.push(item);
        continue;
      }
      const { acc, fields } = await rights(item.object);
      const visible = (k: string) => acc.fieldMode(k) !== 'none';
      const strip = (rec: Record<string, unknown>) => {
        const view: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(rec)) {
          if (RECORD_SYSTEM.has(k)) view[k] = v;
          else if (!visible(k)) continue;
          else if ((acc.fieldMode(k) === 'masked' || maskedWithoutUnmask(fields.get(k) ?? {})) && v !== null && v !== undefined) {
            // Sensitive values were masked when written; masking again applies today's policy to
            // entries written under an older, weaker one (re-masking a current mask changes nothing).
            const f = fields.get(k);
            view[k] = f ? maskValue(f, v) : '***';
          } else view[k] = v;
        }
        return view;
      };
      const next: Record<string, unknown> = { ...data };
      for (const k of ['before', 'after']) if (isPlain(data[k])) next[k] = strip(data[k] as Record<string, unknown>);
      // An export's filter: its values follow the same field rights (sensitive ones are stored hashed already).
      if (isPlain(data.filter)) next.filter = filterForReader(data.filter, fields, (k) => acc.fieldMode(k), acc.unmask);
      out.push({ ...item, data: next });
    }
    return out;
  }
}
