/**
 * Normalizing submitted values: an empty text, null or empty list means "no value" and is not
 * stored (the column stays NULL), also inside the rows of a repeating group.
 */
import type { FieldDef } from '../types.js';
import type { FormModel } from '../definition/form-model.js';
import { isListType } from '../schema/field-schemas.js';

export function isEmptyValue(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

/** The stored form of one value: undefined when empty (group rows keep their empty array). */
export function normalizeValue(field: FieldDef | undefined, value: unknown, model: FormModel): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (field && isListType(field) && Array.isArray(value) && value.length === 0) return undefined;
  const group = field ? model.groups.get(field.key) : undefined;
  if (group && Array.isArray(value)) {
    return value.map((row) => {
      if (typeof row !== 'object' || row === null || Array.isArray(row)) return row;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row as Record<string, unknown>)) {
        const nv = normalizeValue(group.subFields.get(k), v, model);
        if (nv !== undefined) out[k] = nv;
      }
      return out;
    });
  }
  return typeof value === 'object' ? structuredClone(value) : value;
}

export function normalizeRecord(input: Record<string, unknown>, model: FormModel): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input ?? {})) {
    const nv = normalizeValue(model.fields.get(k), v, model);
    if (nv !== undefined) out[k] = nv;
  }
  return out;
}

export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
