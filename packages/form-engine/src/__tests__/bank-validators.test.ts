import { describe, it, expect } from '@jest/globals';
import {
  autoNumberPrefix, cnIdNumberCheckChar, cnIdNumberProblem, formatAutoNumber, isMainlandMobile, isMoney,
  isValidBankCard, isValidCnIdNumber, isValidUscc, parseAutoNumberPattern, usccProblem, isDecimalString,
} from '../index.js';

describe('isValidCnIdNumber (GB 11643)', () => {
  it('accepts real numbers, including the X check character', () => {
    expect(isValidCnIdNumber('11010519491231002X')).toBe(true);
    expect(isValidCnIdNumber('440304199001011233')).toBe(true);
    expect(isValidCnIdNumber('11010120000229123X')).toBe(true); // 29 Feb of a leap year
  });
  it('computes the MOD 11-2 check character', () => {
    expect(cnIdNumberCheckChar('11010519491231002')).toBe('X');
    expect(cnIdNumberCheckChar('44030419900101123')).toBe('3');
  });
  it('names each problem', () => {
    expect(cnIdNumberProblem('110105194912310021')).toBe('checksum');
    expect(cnIdNumberProblem('11010519491231002x')).toBe('format');
    expect(cnIdNumberProblem('1101051949123100')).toBe('format');
    expect(cnIdNumberProblem(110105194912310020)).toBe('format');
    expect(cnIdNumberProblem('990105194912310021')).toBe('region');
    expect(cnIdNumberProblem('00010519491231002X')).toBe('region');
    expect(cnIdNumberProblem('11010119000229123X')).toBe('birth_date'); // 1900 is not a leap year
    expect(cnIdNumberProblem('11010118000101123X')).toBe('birth_date');
    expect(cnIdNumberProblem('110101200501011239', new Date('2000-01-01T00:00:00Z'))).toBe('future');
    expect(cnIdNumberProblem('110101200501011239', new Date('2024-01-01T00:00:00Z'))).toBe(null);
  });
  it('counts "today" in China Standard Time', () => {
    // Born 2024-05-02 (Beijing); at 2024-05-01T16:30Z it is already 2 May in Beijing.
    const id = '110101202405021234'.slice(0, 17);
    const full = id + cnIdNumberCheckChar(id);
    expect(isValidCnIdNumber(full, new Date('2024-05-01T16:30:00Z'))).toBe(true);
    expect(isValidCnIdNumber(full, new Date('2024-05-01T15:30:00Z'))).toBe(false);
  });
});

describe('isValidUscc (GB 32100)', () => {
  it('accepts codes with a correct MOD 31 check character', () => {
    expect(isValidUscc('91350100M000100Y43')).toBe(true);
    expect(isValidUscc('91110000100001234U')).toBe(true);
  });
  it('refuses wrong check characters, excluded letters and bad shapes', () => {
    expect(usccProblem('91350100M000100Y44')).toBe('checksum');
    for (const bad of ['91350100M00010OY43', '91350100M00010IY43', '91350100M00010ZY43', '91350100M00010SY43', '91350100M00010VY43']) {
      expect(usccProblem(bad)).toBe('format');
    }
    expect(usccProblem('9135A100M000100Y43')).toBe('format'); // region code must be digits
    expect(usccProblem('91350100m000100y43')).toBe('format');
    expect(usccProblem('91350100M000100Y4')).toBe('format');
    expect(isValidUscc(null)).toBe(false);
  });
});

describe('isValidBankCard (Luhn)', () => {
  it('accepts 12 to 19 digits with a good check digit', () => {
    expect(isValidBankCard('6222021000112345672')).toBe(true);
    expect(isValidBankCard('6217000000000006')).toBe(true);
    expect(isValidBankCard('4111111111111111')).toBe(true);
  });
  it('refuses bad check digits, lengths and characters', () => {
    expect(isValidBankCard('4111111111111112')).toBe(false);
    expect(isValidBankCard('41111111111')).toBe(false);
    expect(isValidBankCard('41111111111111111111')).toBe(false);
    expect(isValidBankCard('4111 1111 1111 1111')).toBe(false);
    expect(isValidBankCard(4111111111111111)).toBe(false);
  });
});

describe('isMainlandMobile', () => {
  it('is 1[3-9] followed by 9 digits', () => {
    expect(isMainlandMobile('13800138000')).toBe(true);
    expect(isMainlandMobile('19912345678')).toBe(true);
    expect(isMainlandMobile('12800138000')).toBe(false);
    expect(isMainlandMobile('1380013800')).toBe(false);
    expect(isMainlandMobile('138001380000')).toBe(false);
    expect(isMainlandMobile('+8613800138000')).toBe(false);
  });
});

describe('isMoney', () => {
  it('takes decimal strings with at most 2 decimals and 16 integer digits', () => {
    for (const ok of ['0', '0.5', '-12.34', '123456.78', '9999999999999999.99']) expect(isMoney(ok)).toBe(true);
    for (const bad of ['1.234', '12345678901234567', '01.00', '1.', '.5', '1e3', ' 1', '1,000', 1.5, null]) expect(isMoney(bad)).toBe(false);
  });
  it('bounds decimals by precision and scale', () => {
    expect(isDecimalString('123456.1234', 10, 4)).toBe(true);
    expect(isDecimalString('1234567', 10, 4)).toBe(false);
    expect(isDecimalString('0.12', 2, 2)).toBe(true);
    expect(isDecimalString('1.12', 2, 2)).toBe(false);
  });
});

describe('auto numbers', () => {
  const may1 = new Date('2024-04-30T16:30:00Z'); // 2024-05-01 00:30 in Beijing
  it('renders date tokens in China Standard Time and pads the sequence', () => {
    expect(formatAutoNumber('KH{yyyyMMdd}{seq:6}', may1, 42)).toBe('KH20240501000042');
    expect(formatAutoNumber('HT-{yyyy}-{MM}-{dd}-{seq:4}', may1, 7)).toBe('HT-2024-05-01-0007');
    expect(formatAutoNumber('{yy}{seq:3}', may1, 1234)).toBe('241234');
  });
  it('gives the prefix the sequence is counted under', () => {
    expect(autoNumberPrefix('KH{yyyyMMdd}{seq:6}', may1)).toBe('KH20240501');
    expect(autoNumberPrefix('KH{yyyyMM}{seq:6}', new Date('2024-04-30T15:59:00Z'))).toBe('KH202404');
  });
  it('refuses bad patterns with a reason', () => {
    expect(() => parseAutoNumberPattern('KH{seq:4}{seq:2}')).toThrow(/exactly one/);
    expect(() => parseAutoNumberPattern('KH{yyyy}')).toThrow(/exactly one/);
    expect(() => parseAutoNumberPattern('KH{HH}{seq:4}')).toThrow(/unknown token/);
    expect(() => parseAutoNumberPattern('{seq:4}KH')).toThrow(/last/);
    expect(() => parseAutoNumberPattern('KH{seq:0}')).toThrow(/1 ≤ N/);
    expect(() => parseAutoNumberPattern('KH{yyyy{seq:4}')).toThrow();
    expect(() => parseAutoNumberPattern('客户{seq:4}')).toThrow(/literal/);
    expect(() => formatAutoNumber('KH{seq:4}', may1, -1)).toThrow(RangeError);
  });
});
