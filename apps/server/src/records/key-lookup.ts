/**
 * Records of an object holding a value in a key field, whoever may see them — for upserts by a key
 * (imports, sql-pull connectors): a key held outside the writer's scope must not be inserted twice;
 * the update itself stays row-scoped. Sensitive fields are matched by their keyed search hash.
 */
import { fieldType, type FieldDef } from '@crm/form-engine';
import type { Queryable } from '../database/db.js';
import type { FieldCrypto } from '../crypto/field-crypto.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import { hashColumn, isEncrypted } from '../metadata/field-types.js';
import { hashInput, sqlCastFor } from './record-codec.js';
import { systemRecordsByKey, type SystemRead } from './system-reads.js';

export function recordsByKey(q: Queryable, crypto: FieldCrypto, o: ObjectMeta, f: FieldDef, value: unknown, why: SystemRead): Promise<{ id: string; version: number }[]> {
  const v = f.type === 'cn_id_number' && typeof value === 'string' ? value.toUpperCase() : value;
  const [column, param, cast] = isEncrypted(f)
    ? [hashColumn(f.key), crypto.searchHash(hashInput(v)), 'text']
    : [f.key, fieldType(f.type).server.cast === 'text' ? String(v) : v, sqlCastFor(f, f.key)];
  return systemRecordsByKey(q, why, o.key, column, cast, param);
}
