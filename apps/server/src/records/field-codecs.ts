/**
 * The server's code for the codec keys of field-type descriptors (@crm/form-engine field-types):
 * how a present wire value is bound to its column, and how the driver's value comes back as wire
 * format. A field type names one of these; adding a codec is one entry here.
 */
import type { CodecKey } from '@crm/form-engine';

export interface FieldCodec {
  /** Wire value (present, not encrypted) → parameter for INSERT/UPDATE. */
  encode(v: unknown): unknown;
  /** Value pg returns (never null) → wire value. */
  decode(raw: unknown): unknown;
}

const same = (v: unknown) => v;

export const FIELD_CODECS: Record<CodecKey, FieldCodec> = {
  plain: { encode: same, decode: same },
  // jsonb: pg would turn a JS array into a PostgreSQL array literal, so JSON is sent as text.
  json: { encode: (v) => JSON.stringify(v), decode: same },
  // bigint comes back as text (it may exceed 2^53 in SQL); the field's schema bounds it to safe integers.
  integer: { encode: same, decode: (raw) => (typeof raw === 'string' ? Number(raw) : raw) },
  // timestamptz comes back as a Date: the wire format is ISO 8601 in UTC.
  timestamp: { encode: same, decode: (raw) => (raw instanceof Date ? raw.toISOString() : raw) },
};

export function codecOf(key: CodecKey): FieldCodec {
  const codec = FIELD_CODECS[key];
  if (!codec) throw new Error(`no server codec ${JSON.stringify(key)}: add it to records/field-codecs.ts`);
  return codec;
}
