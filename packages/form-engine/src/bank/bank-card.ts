/** Bank card numbers (ISO/IEC 7812): 12–19 digits whose last digit is the Luhn check digit. */
export type BankCardProblem = 'format' | 'checksum';

export function bankCardProblem(value: unknown): BankCardProblem | null {
  if (typeof value !== 'string' || !/^\d{12,19}$/.test(value)) return 'format';
  let sum = 0;
  for (let i = 0; i < value.length; i++) {
    let d = Number(value[value.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0 ? null : 'checksum';
}

export function isValidBankCard(value: unknown): boolean {
  return bankCardProblem(value) === null;
}
