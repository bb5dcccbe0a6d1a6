/**
 * A report filter that is kept (a saved definition, an export's audit entry) holds a value on an
 * encrypted field — on the report's object or through a relation path — only as its keyed hash and
 * mask (`protectFilter`, as saved segments do): it still selects the same rows, and nobody reading
 * the metadata or the audit trail sees the value.
 */
import type { FieldDef } from '@crm/form-engine';
import type { FieldCrypto } from '../crypto/field-crypto.js';
import type { MetadataService } from '../metadata/metadata.service.js';
import { protectFilter } from '../records/filter-secrets.js';
import { hashInput } from '../records/record-codec.js';

/** The field each key of a filter names, by path from `object` through relation fields. */
async function fieldsByPath(meta: MetadataService, object: string, filter: unknown): Promise<Map<string, FieldDef>> {
  const objects = (await meta.current()).objects;
  const out = new Map<string, FieldDef>();
  for (const quoted of JSON.stringify(filter).match(/"[a-z][a-z0-9_.]*"(?=:)/g) ?? []) {
    const path = quoted.slice(1, -1);
    const parts = path.split('.');
    let o = objects.get(object);
    for (const hop of parts.slice(0, -1)) o = objects.get(o?.byKey.get(hop)?.target ?? '');
    const f = o?.byKey.get(parts[parts.length - 1]!);
    if (f) out.set(path, f);
  }
  return out;
}

export async function protectReportFilter<T>(meta: MetadataService, crypto: FieldCrypto, object: string, filter: T): Promise<T> {
  if (filter === undefined || filter === null) return filter;
  return protectFilter(filter, await fieldsByPath(meta, object, filter), (v) => crypto.searchHash(hashInput(v))) as T;
}
