/**
 * A report filter that is kept (a saved definition, an export's audit entry) holds a value on an
 * encrypted field — on the report's object or through a relation path — only as its keyed hash and
 * mask (`protectFilter`, as saved segments do): it still selects the same rows, and nobody reading
 * the metadata or the audit trail sees the value.
 */
import type { FieldCrypto } from '../crypto/field-crypto.js';
import type { MetadataService } from '../metadata/metadata.service.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import { fieldsByPath, protectFilter } from '../records/filter-secrets.js';
import { hashInput } from '../records/record-codec.js';

export async function protectReportFilter<T>(meta: MetadataService, crypto: FieldCrypto, object: string, filter: T, source?: ObjectMeta): Promise<T> {
  if (filter === undefined || filter === null) return filter;
  // A registered source (campaign members) is the root; its relation paths lead into metadata objects.
  const objects = source ? new Map([...(await meta.current()).objects, [object, source]]) : (await meta.current()).objects;
  return protectFilter(filter, fieldsByPath(objects, object, filter), (v) => crypto.searchHash(hashInput(v))) as T;
}
