import { describe, expect, it } from '@jest/globals';
import { compileFeelUnaryTests, evaluateFeel, FeelDecimal, feelNumber, isFeelDecimal, toScaledDecimal } from './index.js';

const big = (s: string) => new FeelDecimal(s);

describe('FEEL numbers are decimals', () => {
  it('adds 0.1 and 0.2 to exactly 0.3, from literals and from decimal inputs', () => {
    expect(evaluateFeel('0.1 + 0.2')).toBe(0.3);
    expect(evaluateFeel('0.1 + 0.2 = 0.3')).toBe(true);
    expect(evaluateFeel('a + b = 0.3', { a: big('0.1'), b: big('0.2') })).toBe(true);
    expect(evaluateFeel('a + b', { a: 0.1, b: 0.2 })).toBe(0.3);
    expect(evaluateFeel('sum([0.1, 0.2]) = 0.3')).toBe(true);
    expect(evaluateFeel('1.1 * 3')).toBe(3.3);
    expect(evaluateFeel('0.3 - 0.1')).toBe(0.2);
    expect(evaluateFeel('0.69 / 10')).toBe(0.069);
  });

  it('keeps digits a double cannot hold, in arithmetic, comparison and equality', () => {
    const aum = big('9007199254740993.01');
    const result = evaluateFeel('aum + 0', { aum });
    expect(isFeelDecimal(result)).toBe(true);
    expect(String(result)).toBe('9007199254740993.01');
    expect(evaluateFeel('aum > 9007199254740993', { aum })).toBe(true);
    expect(evaluateFeel('aum > 9007199254740993.01', { aum })).toBe(false);
    expect(evaluateFeel('aum = 9007199254740993.01', { aum })).toBe(true);
    expect(evaluateFeel('aum != 9007199254740993.02', { aum })).toBe(true);
    expect(evaluateFeel('aum < 9007199254740993.02', { aum })).toBe(true);
    expect(String(evaluateFeel('aum - 0.01', { aum }))).toBe('9007199254740993');
    // 2^53 + 1 as a literal stays exact: the double would be 2^53.
    expect(evaluateFeel('9007199254740993 > 9007199254740992')).toBe(true);
    expect(evaluateFeel('x between 9007199254740993 and 9007199254740994', { x: aum })).toBe(true);
    expect(evaluateFeel('list contains([1.5, aum], 9007199254740993.01)', { aum })).toBe(true);
    expect(evaluateFeel('max([aum, 1, 2.5])', { aum })).toEqual(aum);
    expect(evaluateFeel('min([aum, 1, 2.5])', { aum })).toBe(1);
    expect(String(evaluateFeel('sum([aum, aum])', { aum }))).toBe('18014398509481986.02');
  });

  it('rounds with the FEEL rounding functions on the decimal value', () => {
    expect(evaluateFeel('round half up(2.675, 2)')).toBe(2.68);
    expect(evaluateFeel('round half up(-2.675, 2)')).toBe(-2.68);
    expect(evaluateFeel('round half down(2.675, 2)')).toBe(2.67);
    expect(evaluateFeel('decimal(2.675, 2)')).toBe(2.68);
    expect(evaluateFeel('decimal(2.665, 2)')).toBe(2.66); // half even
    expect(evaluateFeel('decimal(1.005 * 1000, 0)')).toBe(1005);
    expect(evaluateFeel('floor(-1.5)')).toBe(-2);
    expect(evaluateFeel('ceiling(1.01, 1)')).toBe(1.1);
    expect(evaluateFeel('round up(1.21, 1)')).toBe(1.3);
    expect(evaluateFeel('round down(-1.29, 1)')).toBe(-1.2);
    expect(evaluateFeel('decimal(1234.5, -2)')).toBe(1200);
    expect(evaluateFeel('modulo(-12.5, 5)')).toBe(2.5);
    expect(evaluateFeel('modulo(12.5, -5)')).toBe(-2.5);
    expect(evaluateFeel('modulo(1, 0)')).toBeNull();
    expect(evaluateFeel('abs(-0.1)')).toBe(0.1);
    expect(evaluateFeel('mean([0.1, 0.2, 0.3])')).toBe(0.2);
    expect(evaluateFeel('median([10, 9, 0.5])')).toBe(9);
    expect(evaluateFeel('product([0.1, 3])')).toBe(0.3);
  });

  it('keeps integer and non-money FEEL as it was', () => {
    expect(evaluateFeel('count([1, 2, 3]) + 1')).toBe(4);
    expect(evaluateFeel('10 / 4')).toBe(2.5);
    expect(evaluateFeel('1 / 0')).toBeNull();
    expect(evaluateFeel('2 ** 10')).toBe(1024);
    expect(evaluateFeel('[1, 2, 3][1 + 0.0]')).toBe(1);
    expect(evaluateFeel('for i in 1..3 return i * 0.5')).toEqual([0.5, 1, 1.5]);
    expect(evaluateFeel('substring("abcdef", 1.0 + 1, 2)')).toBe('bc');
    expect(evaluateFeel('string(0.1 + 0.2)')).toBe('0.3');
    expect(evaluateFeel('"a" + "b"')).toBe('ab');
    expect(evaluateFeel('date("2026-01-31") + duration("P1D")')).toBe('2026-02-01');
    expect(evaluateFeel('{ rate: 0.05 }')).toEqual({ rate: 0.05 });
    expect(evaluateFeel('number("9007199254740993.01", null, null) = 9007199254740993.01')).toBe(true);
    expect(evaluateFeel('number("1.5", null, null)')).toBe(1.5);
    expect(evaluateFeel('-x', { x: big('0.5') })).toBe(-0.5);
    expect(evaluateFeel('x + 1', { x: 'text' })).toBeNull();
    // Text against a decimal does not throw, and is never equal to it.
    expect(evaluateFeel('x > 9007199254740993', { x: 'text' })).toBe(false);
    expect(evaluateFeel('x = 0.5', { x: '0.5' })).toBeNull();
    expect(evaluateFeel('list contains(["0.5"], 0.5)')).toBe(false);
    expect(evaluateFeel('distinct values([0.5, x, 1])', { x: big('0.5') })).toEqual([0.5, 1]);
  });

  it('answers decimal inputs to unary tests (decision tables)', () => {
    expect(compileFeelUnaryTests('> 9007199254740993').test(big('9007199254740993.01'))).toBe(true);
    expect(compileFeelUnaryTests('[0.1..0.3]').test(big('0.3'))).toBe(true);
    expect(compileFeelUnaryTests('0.3').test(big('0.30'))).toBe(true);
  });

  it('converts wire values and scales results half up, never through a double', () => {
    expect(feelNumber('2.675')).toEqual(big('2.675'));
    expect(feelNumber('12')).toBe(12);
    expect(feelNumber(' 1.50 ')).toEqual(big('1.5'));
    for (const bad of ['', 'abc', '1e5', 'NaN', '1.2.3', null, undefined, Infinity, {}]) expect(feelNumber(bad)).toBeNull();
    expect(toScaledDecimal('2.675', 2)).toBe('2.68');
    expect(toScaledDecimal(2.675, 2)).toBe('2.68');
    expect(toScaledDecimal(-2.675, 2)).toBe('-2.68');
    expect(toScaledDecimal(big('9007199254740993.005'), 2)).toBe('9007199254740993.01');
    expect(toScaledDecimal(0.1 + 0.2, 2)).toBe('0.30');
    expect(toScaledDecimal(5, 2)).toBe('5.00');
    expect(toScaledDecimal('x', 2)).toBeNull();
  });
});
