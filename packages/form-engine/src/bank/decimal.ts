/**
 * Money and decimals travel as decimal strings ("123456.78") so no amount ever passes through a
 * binary float. The patterns bound the magnitude to what the numeric(p, s) column can hold.
 */
import { toScaledDecimal, type FeelDecimal } from '@crm/feel';

export const MONEY_PRECISION = 18;
export const MONEY_SCALE = 2;
export const PERCENT_PRECISION = 9;
export const PERCENT_SCALE = 4;

/** Regex source for a decimal string with at most `precision` digits, `scale` of them after the point. */
export function decimalPattern(precision: number, scale: number): string {
  const intDigits = precision - scale;
  const intPart = intDigits <= 0 ? '0' : `(?:0|[1-9]\\d{0,${intDigits - 1}})`;
  const fraction = scale > 0 ? `(?:\\.\\d{1,${scale}})?` : '';
  return `^-?${intPart}${fraction}$`;
}

const MONEY = new RegExp(decimalPattern(MONEY_PRECISION, MONEY_SCALE));

/** A money amount: a decimal string with at most 2 decimals and at most 16 integer digits. */
export function isMoney(value: unknown): boolean {
  return typeof value === 'string' && MONEY.test(value);
}

export function isDecimalString(value: unknown, precision: number, scale: number): boolean {
  return typeof value === 'string' && new RegExp(decimalPattern(precision, scale)).test(value);
}

/**
 * Writes a FEEL number (a decimal, or a JS number read as its shortest decimal text) back as a
 * decimal string with exactly `scale` decimals, rounded half up (away from zero): 2.675 → "2.68",
 * as the numeric column would store it. Used for computed and `set` results; never goes through a double.
 */
export function toDecimalString(value: number | string | FeelDecimal, scale: number): string | null {
  return toScaledDecimal(value, scale);
}
