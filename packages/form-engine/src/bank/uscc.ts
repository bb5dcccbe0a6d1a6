/**
 * Unified social credit code (GB 32100-2015): 18 characters from a 31-character alphabet without
 * I, O, Z, S, V; characters 3–8 are the region code; the last is a MOD 31 check character.
 */
export type UsccProblem = 'format' | 'checksum';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

export function usccCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(first17[i]!) * WEIGHTS[i]!;
  return ALPHABET[(31 - (sum % 31)) % 31]!;
}

export function usccProblem(value: unknown): UsccProblem | null {
  if (typeof value !== 'string' || !SHAPE.test(value)) return 'format';
  return usccCheckChar(value) === value[17] ? null : 'checksum';
}

export function isValidUscc(value: unknown): boolean {
  return usccProblem(value) === null;
}
