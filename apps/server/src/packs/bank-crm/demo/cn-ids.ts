/** Valid Chinese identifiers for demo data: resident ID numbers (GB 11643) and unified social credit codes (GB 32100). */
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';
const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * ID_WEIGHTS[i]!;
  return ID_CHECK[sum % 11]!;
}

/** area: 6-digit administrative division; birth: YYYYMMDD; seq: 0..999 (odd = male). */
export function idNumber(area: string, birth: string, seq: number): string {
  const body = `${area}${birth}${String(seq % 1000).padStart(3, '0')}`;
  return body + idCheckChar(body);
}

export function usccCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += USCC_ALPHABET.indexOf(first17[i]!) * USCC_WEIGHTS[i]!;
  return USCC_ALPHABET[(31 - (sum % 31)) % 31]!;
}

/** GB 11714 organisation code: 8 digits plus its check character. */
export function orgCode(n: number): string {
  const body = String(n % 100_000_000).padStart(8, '0');
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(body[i]) * ORG_WEIGHTS[i]!;
  const c = 11 - (sum % 11);
  return body + (c === 10 ? 'X' : c === 11 ? '0' : String(c));
}

/** 9 (market regulator) + 1 (enterprise) + area + organisation code + check. */
export function uscc(area: string, n: number): string {
  const body = `91${area}${orgCode(n)}`;
  return body + usccCheckChar(body);
}
