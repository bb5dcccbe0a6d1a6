/**
 * Values cross between the wire format and FEEL here. Rules see amounts as FEEL numbers (decimals,
 * never doubles) and dates as FEEL dates (so `birth_date < date("2000-01-01")` and `amount > 1000`
 * mean what an analyst expects); results go back as wire values (decimal strings rounded half up
 * to the field's scale, ISO dates). The FEEL date constructors come from feelin itself (the library
 * @crm/feel wraps); nothing is parsed here.
 */
import { feelNumber, isFeelDecimal, type FeelDecimal } from '@crm/feel';
import { date as feelDate, dateAndTime as feelDateTime } from 'feelin';
import type { FieldDef } from '../types.js';
import { MONEY_SCALE, PERCENT_SCALE, toDecimalString } from '../bank/decimal.js';

const DECIMAL_TYPES = new Set(['money', 'decimal', 'percent']);

function scaleOf(field: FieldDef): number {
  if (field.type === 'money') return MONEY_SCALE;
  if (field.type === 'percent') return typeof field.options?.scale === 'number' ? field.options.scale : PERCENT_SCALE;
  return typeof field.options?.scale === 'number' ? field.options.scale : 0;
}

function liftTemporal(make: (s: string) => unknown, s: string): unknown {
  try {
    return make(s) ?? s;
  } catch {
    return s; // not a valid date: validation reports it; FEEL sees the raw text
  }
}

/**
 * A money / decimal / percent wire value (a decimal string) → a FEEL number: a decimal, or a plain
 * number when it is a safe integer. Text that is no decimal stays text (validation reports it).
 * Exported for the field types whose FEEL value is a decimal.
 */
export function decimalToFeel(value: string): number | FeelDecimal | string {
  return feelNumber(value) ?? value;
}

/**
 * A record's values with its money, decimal and percent fields as FEEL decimals and everything else
 * as it is (dates stay ISO text): for server-side conditions over stored records (rule tags,
 * process triggers), where `amount > 50000` must compare amounts, not text with a number.
 */
export function amountsToFeel(fields: readonly FieldDef[], record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...record };
  for (const f of fields) {
    const v = record[f.key];
    if (DECIMAL_TYPES.has(f.type) && typeof v === 'string') out[f.key] = decimalToFeel(v);
  }
  return out;
}

/** Wire value → FEEL value. `subFields` lifts the rows of a repeating group. */
export function toFeelValue(field: FieldDef | undefined, value: unknown, subFields?: ReadonlyMap<string, FieldDef>): unknown {
  if (value === undefined || value === null || !field) return value ?? null;
  if (DECIMAL_TYPES.has(field.type) && typeof value === 'string') return decimalToFeel(value);
  if (field.type === 'date' && typeof value === 'string') return liftTemporal(feelDate, value);
  if (field.type === 'datetime' && typeof value === 'string') return liftTemporal(feelDateTime, value);
  if (subFields && Array.isArray(value)) {
    return value.map((row) => {
      if (typeof row !== 'object' || row === null) return row;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row as Record<string, unknown>)) out[k] = toFeelValue(subFields.get(k), v);
      return out;
    });
  }
  return value;
}

/** FEEL result (already JSON-normalized by @crm/feel) → wire value; undefined means "no value". */
export function toWireValue(field: FieldDef | undefined, result: unknown): unknown {
  if (result === null || result === undefined) return undefined;
  if (!field) return result;
  if (DECIMAL_TYPES.has(field.type) && ((typeof result === 'number' && Number.isFinite(result)) || isFeelDecimal(result))) {
    return toDecimalString(result, scaleOf(field));
  }
  if ((field.type === 'text' || field.type === 'textarea') && (typeof result === 'number' || typeof result === 'boolean' || isFeelDecimal(result))) {
    return String(result);
  }
  // A number a double cannot hold goes to other types (json, computed) as its exact decimal text.
  if (isFeelDecimal(result)) return result.toString();
  return result;
}
