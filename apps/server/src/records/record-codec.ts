/**
 * Converts record values between the wire format of API.md and table columns: encryption and the
 * search hash of sensitive fields, and each type's codec (records/field-codecs.ts, named by the type's
 * server descriptor); and back, with masking and hiding per field mode.
 */
import { fieldType, maskedWithoutUnmask, maskValue, type FieldDef } from '@crm/form-engine';
import type { RecordData } from '@crm/shared';
import type { FieldCrypto } from '../crypto/field-crypto.js';
import { hashColumn, isEncrypted } from '../metadata/field-types.js';
import type { FieldMode } from '../access/permission.types.js';
import { codecOf } from './field-codecs.js';

export const SYSTEM_OUT = ['id', 'version', 'created_at', 'updated_at', 'created_by', 'updated_by', 'owner_id', 'org_unit_id', 'form_key', 'form_version'] as const;

/** Canonical text of a value for the equality hash (a number and its string hash the same). */
export function hashInput(v: unknown): string {
  return typeof v === 'string' ? v.trim() : JSON.stringify(v);
}

/** column → value for INSERT/UPDATE. `undefined` values clear the column. */
export function encodeValues(fields: FieldDef[], value: Record<string, unknown>, crypto: FieldCrypto): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const f of fields) {
    const v = value[f.key];
    const server = fieldType(f.type).server;
    const present = v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0 && !server.keepsEmptyList);
    if (isEncrypted(f)) {
      out.set(f.key, present ? crypto.encrypt(JSON.stringify(v)) : null);
      out.set(hashColumn(f.key), present ? crypto.searchHash(hashInput(v)) : null);
      continue;
    }
    if (!present) {
      out.set(f.key, null);
      continue;
    }
    out.set(f.key, codecOf(server.codec).encode(v));
  }
  return out;
}

/** The cast of a bound parameter written to `column` (a field's own column or its hash column). */
export function sqlCastFor(f: FieldDef, column: string): string {
  if (column.endsWith('__h') || isEncrypted(f)) return 'text';
  return fieldType(f.type).server.cast;
}

/** The stored value of one field, decrypted (for the server's own use, never sent as is). */
export function decodeField(f: FieldDef, raw: unknown, crypto: FieldCrypto): unknown {
  if (raw === null || raw === undefined) return null;
  if (isEncrypted(f)) {
    try {
      return JSON.parse(crypto.decrypt(String(raw)));
    } catch {
      return null;
    }
  }
  return codecOf(fieldType(f.type).server.codec).decode(raw);
}

/** Full stored record (decrypted, all fields) — for validation, triggers and audit. */
export function decodeRow(fields: FieldDef[], row: Record<string, unknown>, crypto: FieldCrypto): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of SYSTEM_OUT) {
    const v = row[k];
    out[k] = v instanceof Date ? v.toISOString() : v ?? null;
  }
  for (const f of fields) out[f.key] = decodeField(f, row[f.key], crypto);
  return out;
}

/** What a caller may see of a decoded record: hidden fields dropped, masked ones masked. */
export function present(
  fields: FieldDef[],
  record: Record<string, unknown>,
  modeOf: (f: string) => FieldMode,
  unmask: boolean,
): { view: RecordData; unmaskedSensitive: string[] } {
  const view: Record<string, unknown> = {};
  const unmaskedSensitive: string[] = [];
  for (const k of SYSTEM_OUT) view[k] = record[k] ?? null;
  for (const f of fields) {
    const mode = modeOf(f.key);
    if (mode === 'none') continue;
    const v = record[f.key] ?? null;
    const sensitive = (f.sensitivity ?? 0) >= 3;
    if (mode === 'masked' || (maskedWithoutUnmask(f) && !unmask)) view[f.key] = v === null ? null : maskValue(f, v);
    else {
      view[f.key] = v;
      if (sensitive && v !== null) unmaskedSensitive.push(f.key);
    }
  }
  // Every record row has its system columns (id, version, …), copied in first: the view is a record of the contract.
  return { view: view as RecordData, unmaskedSensitive };
}

/** Audit form of a record: sensitive values masked whatever the actor may see. */
export function forAudit(fields: FieldDef[], record: Record<string, unknown>): Record<string, unknown> {
  return present(fields, record, () => 'read', false).view;
}
