/**
 * The string formats the data schema uses. The same object serves the live Ajv instance and the
 * standalone validator module (which imports it from this package), so both validate identically.
 * The general formats are here; a field type adds its own (cn-id-number, bank-card …) when it
 * registers (field-types/registry.ts).
 */
import formatsModule from 'ajv-formats/dist/formats.js';
import type { Format } from 'ajv';

const { fullFormats } = formatsModule as unknown as { fullFormats: Record<string, Format> };

export const formats: Record<string, Format> = {
  date: fullFormats.date!,
  // RFC 3339 date-time: the offset is mandatory, so a timestamp is never ambiguous.
  'date-time': fullFormats['date-time']!,
  email: fullFormats.email!,
  uri: fullFormats.uri!,
  // Plain RFC 4122 text only (ajv-formats also allows a "urn:uuid:" prefix PostgreSQL would refuse).
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
};
