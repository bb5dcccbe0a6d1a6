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

/** How one field's stored value becomes its API value: decided once per field list, not per row. */
interface FieldDecoder {
  f: FieldDef;
  key: string;
  encrypted: boolean;
  decode: (raw: unknown) => unknown;
  sensitive: boolean;
  /** Masked for a caller without unmask (level ≥ 3, or a field with a mask shape such as an account number). */
  maskedWithoutUnmask: boolean;
}

/** Field lists come from the per-process metadata (a new array when it changes): their decoders are kept beside them. */
const decoders = new WeakMap<FieldDef[], FieldDecoder[]>();

function decodersOf(fields: FieldDef[]): FieldDecoder[] {
  let plan = decoders.get(fields);
  if (!plan) {
    plan = fields.map((f) => ({ f, key: f.key, encrypted: isEncrypted(f), decode: codecOf(fieldType(f.type).server.codec).decode, sensitive: (f.sensitivity ?? 0) >= 3, maskedWithoutUnmask: maskedWithoutUnmask(f) }));
    decoders.set(fields, plan);
  }
  return plan;
}

function decodeWith(d: FieldDecoder, raw: unknown, crypto: FieldCrypto): unknown {
  if (raw === null || raw === undefined) return null;
  if (d.encrypted) {
    try {
      return JSON.parse(crypto.decrypt(String(raw)));
    } catch {
      return null;
    }
  }
  return d.decode(raw);
}

/** The stored value of one field, decrypted (for the server's own use, never sent as is). */
export function decodeField(f: FieldDef, raw: unknown, crypto: FieldCrypto): unknown {
  return decodeWith({ f, key: f.key, encrypted: isEncrypted(f), decode: codecOf(fieldType(f.type).server.codec).decode, sensitive: false, maskedWithoutUnmask: false }, raw, crypto);
}

function systemValues(row: Record<string, unknown>, out: Record<string, unknown>): void {
  for (const k of SYSTEM_OUT) {
    const v = row[k];
    out[k] = v instanceof Date ? v.toISOString() : v ?? null;
  }
}

/** Full stored record (decrypted, all fields) — for validation, triggers and audit. */
export function decodeRow(fields: FieldDef[], row: Record<string, unknown>, crypto: FieldCrypto): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  systemValues(row, out);
  for (const d of decodersOf(fields)) out[d.key] = decodeWith(d, row[d.key], crypto);
  return out;
}

type Shown = { view: RecordData; unmaskedSensitive: string[] };

/** One field of a view: left out (hidden), masked, or as stored (a clear sensitive value is noted). */
function showField(d: FieldDecoder, mode: FieldMode, v: unknown, unmask: boolean, out: Record<string, unknown>, unmasked: string[]): void {
  if (mode === 'masked' || (d.maskedWithoutUnmask && !unmask)) out[d.key] = v === null ? null : maskValue(d.f, v);
  else {
    out[d.key] = v;
    if (d.sensitive && v !== null) unmasked.push(d.key);
  }
}

/** What a caller may see of a decoded record: hidden fields dropped, masked ones masked. */
export function present(fields: FieldDef[], record: Record<string, unknown>, modeOf: (f: string) => FieldMode, unmask: boolean): Shown {
  const view: Record<string, unknown> = {};
  const unmaskedSensitive: string[] = [];
  for (const k of SYSTEM_OUT) view[k] = record[k] ?? null;
  for (const d of decodersOf(fields)) {
    const mode = modeOf(d.key);
    if (mode !== 'none') showField(d, mode, record[d.key] ?? null, unmask, view, unmaskedSensitive);
  }
  // Every record row has its system columns (id, version, …), copied in first: the view is a record of the contract.
  return { view: view as RecordData, unmaskedSensitive };
}

/**
 * present(decodeRow(row)) in one pass for reads (a list page decodes every row): one object per
 * row instead of two, and a hidden field is never decrypted or decoded.
 */
export function decodeView(fields: FieldDef[], row: Record<string, unknown>, crypto: FieldCrypto, modeOf: (f: string) => FieldMode, unmask: boolean): Shown {
  const view: Record<string, unknown> = {};
  const unmaskedSensitive: string[] = [];
  systemValues(row, view);
  for (const d of decodersOf(fields)) {
    const mode = modeOf(d.key);
    if (mode !== 'none') showField(d, mode, decodeWith(d, row[d.key], crypto), unmask, view, unmaskedSensitive);
  }
  return { view: view as RecordData, unmaskedSensitive };
}

/** Audit form of a record: sensitive values masked whatever the actor may see. */
export function forAudit(fields: FieldDef[], record: Record<string, unknown>): Record<string, unknown> {
  return present(fields, record, () => 'read', false).view;
}
