/**
 * China resident identity number (GB 11643-1999): 6-digit region code, 8-digit birth date,
 * 3-digit sequence, 1 check character (ISO 7064 MOD 11-2, "X" stands for 10).
 */
import { chinaDate, isCalendarDate } from './calendar.js';

export type CnIdNumberProblem = 'format' | 'region' | 'birth_date' | 'future' | 'checksum';

const SHAPE = /^\d{17}[\dX]$/;
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';
// Province-level prefixes of GB/T 2260, plus 81/82/83 for HK, Macao and Taiwan residence permits.
const PROVINCES = new Set([
  '11', '12', '13', '14', '15', '21', '22', '23', '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65',
  '71', '81', '82', '83',
]);

export function cnIdNumberCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** The first problem with an ID number, or null when it is valid. */
export function cnIdNumberProblem(value: unknown, now: Date = new Date()): CnIdNumberProblem | null {
  if (typeof value !== 'string' || !SHAPE.test(value)) return 'format';
  if (!PROVINCES.has(value.slice(0, 2))) return 'region';
  const birth = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  if (Number(value.slice(6, 10)) < 1850 || !isCalendarDate(birth)) return 'birth_date';
  if (birth > chinaDate(now)) return 'future';
  if (cnIdNumberCheckChar(value) !== value[17]) return 'checksum';
  return null;
}

export function isValidCnIdNumber(value: unknown, now: Date = new Date()): boolean {
  return cnIdNumberProblem(value, now) === null;
}
