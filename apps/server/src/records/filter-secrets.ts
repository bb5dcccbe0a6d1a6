/**
 * Sensitive values inside records filters, made safe to keep and to show. A filter that is stored
 * (an export's audit entry, a saved segment) keeps a value on an encrypted field (sensitivity ≥ 3)
 * only as `{ "$hash": <keyed search hash>, "mask": <masked value> }`: the filter compiler compares
 * that hash with the field's `<field>__h` column, so a stored filter still selects the same rows,
 * while neither the database nor a reader ever sees the value. A filter that is shown passes
 * through the reader's own field rights: values on fields they may not read in clear are masked.
 */
import { maskedWithoutUnmask, maskValue, type FieldDef } from '@crm/form-engine';
import type { FieldMode } from '../access/permission.types.js';
import { isEncrypted } from '../metadata/field-types.js';

export interface HashedValue {
  $hash: string;
  mask?: unknown;
}

const HASH_RE = /^[0-9a-f]{64}$/;
const LIST_OPS = new Set(['$in', '$nin']);
const VALUE_OPS = new Set(['$eq', '$ne', '$in', '$nin']);

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{ $hash, mask? }` as written by protectFilter (nothing else counts: a caller cannot smuggle other keys). */
export function isHashedValue(v: unknown): v is HashedValue {
  return isPlain(v) && typeof v.$hash === 'string' && HASH_RE.test(v.$hash) && Object.keys(v).every((k) => k === '$hash' || k === 'mask');
}

type OperandMap = (field: string, op: string, operand: unknown) => unknown;

/**
 * Rebuilds a filter with every field operand passed through `map` (logical operators walked, field
 * names kept). A shorthand `{ field: value }` is handed over as `$eq` and written back as the
 * explicit `{ field: { $eq: … } }` only when its value changed.
 */
function mapOperands(node: unknown, map: OperandMap, depth = 0): unknown {
  if (!isPlain(node) || depth > 16) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$and' || key === '$or') out[key] = Array.isArray(value) ? value.map((v) => mapOperands(v, map, depth + 1)) : value;
    else if (key === '$not') out[key] = mapOperands(value, map, depth + 1);
    else if (key.startsWith('$')) out[key] = value;
    else if (isPlain(value) && Object.keys(value).some((k) => k.startsWith('$'))) {
      out[key] = Object.fromEntries(Object.entries(value).map(([op, operand]) => [op, map(key, op, operand)]));
    } else if (value === null) out[key] = value;
    else {
      const next = map(key, '$eq', value);
      out[key] = next === value ? value : { $eq: next };
    }
  }
  return out;
}

/**
 * The filter to store: values on encrypted fields become their keyed hash (with a mask); values that
 * cannot be hashed there (operators the compiler refuses on encrypted fields anyway) become a mask.
 */
export function protectFilter(filter: unknown, fields: ReadonlyMap<string, FieldDef>, hash: (value: unknown) => string): unknown {
  const protect = (f: FieldDef, v: unknown): unknown => {
    if (isHashedValue(v)) return v;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return { $hash: hash(v), mask: maskValue(f, v) };
    return '***';
  };
  return mapOperands(filter, (key, op, operand) => {
    const f = fields.get(key);
    if (!f || !isEncrypted(f) || op === '$null') return operand;
    if (!VALUE_OPS.has(op)) return '***';
    if (LIST_OPS.has(op)) return Array.isArray(operand) ? operand.map((v) => protect(f, v)) : '***';
    return protect(f, operand);
  });
}

/** The field each key of a filter names, by path from `object` through relation fields (`customer.id_number`). */
export function fieldsByPath(objects: ReadonlyMap<string, { byKey: ReadonlyMap<string, FieldDef> }>, object: string, filter: unknown): Map<string, FieldDef> {
  const out = new Map<string, FieldDef>();
  for (const quoted of JSON.stringify(filter ?? null).match(/"[a-z][a-z0-9_.]*"(?=:)/g) ?? []) {
    const path = quoted.slice(1, -1);
    const parts = path.split('.');
    let o = objects.get(object);
    for (const hop of parts.slice(0, -1)) o = objects.get(o?.byKey.get(hop)?.target ?? '');
    const f = o?.byKey.get(parts[parts.length - 1]!);
    if (f) out.set(path, f);
  }
  return out;
}

/** Whether a filter holds a value on an encrypted field in clear (anything protectFilter would change). */
export function hasClearSecrets(filter: unknown, fields: ReadonlyMap<string, FieldDef>): boolean {
  // mapOperands keeps key order, so the JSON texts differ exactly when a value was replaced.
  return JSON.stringify(protectFilter(filter, fields, () => '0'.repeat(64))) !== JSON.stringify(filter);
}

/**
 * A stored filter as one reader may see it: values on fields they may not read are hidden, values on
 * fields they see masked (or sensitive ones without `unmask`) are masked, hashes shown only as masks.
 */
export function filterForReader(filter: unknown, fields: ReadonlyMap<string, FieldDef>, modeOf: (field: string) => FieldMode, unmask: boolean): unknown {
  const maskOne = (f: FieldDef, v: unknown): unknown => {
    if (isHashedValue(v)) return v.mask ?? '***';
    return v === null ? null : maskValue(f, v);
  };
  return mapOperands(filter, (key, op, operand) => {
    const f = fields.get(key);
    if (!f || op === '$null') return operand;
    const mode = modeOf(key);
    if (mode === 'none') return '***';
    if (mode !== 'masked' && !(maskedWithoutUnmask(f) && !unmask)) return operand;
    return Array.isArray(operand) ? operand.map((v) => maskOne(f, v)) : maskOne(f, operand);
  });
}
