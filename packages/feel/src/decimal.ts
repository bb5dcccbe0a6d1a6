/**
 * Decimal numbers in FEEL. Money and decimals must never pass through a binary double (2.675 is
 * 2.67499999… as a double; 9007199254740993.01 is not a double at all), so FEEL numbers are
 * decimal.js values wherever a double would lose digits, and plain JS numbers while they are safe
 * integers (counts, indexes, years), which doubles hold exactly.
 *
 * Why feelin is patched (patches/feelin@8.2.0.patch, `setDecimalClass`) rather than fed a
 * "decimal-aware context": feelin applies + - * / ** and its comparisons with JavaScript operators
 * to whatever values the context holds. A context can hand it decimals but cannot change what its
 * operators do with them (`a + b` on two objects would concatenate their strings), and its
 * literals (`0.1`) are parsed to doubles before any context is seen. The patch keeps one number
 * type inside the interpreter: decimals compare, add and round as numbers; builtins that know
 * nothing of them get plain numbers.
 */
import { Decimal } from 'decimal.js';
import { setDecimalClass } from 'feelin';

/**
 * The decimal type of FEEL: 34 significant digits (IEEE 754 decimal128, the precision the DMN
 * specification gives FEEL numbers), rounding half up. A clone, so nobody else's settings leak in.
 */
export const FeelDecimal = Decimal.clone({ precision: 34, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -7, toExpPos: 21 });
export type FeelDecimal = Decimal;

setDecimalClass(FeelDecimal);

const DECIMAL_TEXT = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/;

export function isFeelDecimal(value: unknown): value is Decimal {
  return Decimal.isDecimal(value);
}

/**
 * A decimal string ("123.45") or number as a FEEL number: the decimal, or a plain number when it is
 * a safe integer (as FEEL's own arithmetic represents it). Null for anything that is not a finite decimal.
 */
export function feelNumber(value: unknown): number | Decimal | null {
  let d: Decimal;
  if (isFeelDecimal(value)) d = new FeelDecimal(value);
  else if (typeof value === 'number' && Number.isFinite(value)) d = new FeelDecimal(value);
  else if (typeof value === 'string' && DECIMAL_TEXT.test(value.trim())) d = new FeelDecimal(value.trim());
  else return null;
  if (d.isInteger() && Number.isSafeInteger(d.toNumber())) return d.toNumber();
  return d;
}

/**
 * A FEEL number rounded half up (away from zero) to `scale` decimals, as a decimal string with
 * exactly `scale` decimals (as a numeric(p, scale) column returns it). Null when not a number.
 * A JS number is read as its shortest decimal text (2.675 → "2.675" → "2.68"), never its binary value.
 */
export function toScaledDecimal(value: unknown, scale: number): string | null {
  const d = isFeelDecimal(value) || typeof value === 'number' || typeof value === 'string' ? feelNumber(value) : null;
  if (d === null) return null;
  return new FeelDecimal(d).toFixed(scale, Decimal.ROUND_HALF_UP);
}

/**
 * An evaluation result given back to callers: a decimal that a double holds without change (its
 * shortest text is the same) becomes that plain number, so code that knew only numbers keeps working;
 * one a double cannot hold (9007199254740993.01) stays a decimal.
 */
export function plainIfExact(d: Decimal): number | Decimal {
  const n = d.toNumber();
  return Number.isFinite(n) && String(n) === d.toString() ? n : d;
}
