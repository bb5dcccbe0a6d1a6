import { describe, expect, it } from '@jest/globals';
import * as feelin from 'feelin';
import { checkFeel, compileFeel, compileFeelUnaryTests, evaluateFeel, FeelSyntaxError } from './index.js';

describe('feel', () => {
  it('evaluates with a leading "=" and caches the compiled form', () => {
    expect(evaluateFeel('= amount > 1000000', { amount: 2000000 })).toBe(true);
    expect(compileFeel('=a + b')).toBe(compileFeel('a + b'));
    expect(compileFeel('a + b').evaluate({ a: 1, b: 2 })).toBe(3);
  });
  it('names the inputs of an expression, not path keys or loop variables', () => {
    expect([...compileFeel('customer.risk = "high" and amount > limit').inputs].sort()).toEqual(['amount', 'customer', 'limit']);
    expect(compileFeel('some x in items satisfies x > 1').inputs).toEqual(['items']);
  });
  it('rejects a malformed expression with a syntax error', () => {
    expect(() => compileFeel('a + * b')).toThrow(FeelSyntaxError);
    expect(checkFeel('amount >')).toBeInstanceOf(FeelSyntaxError);
    expect(checkFeel('amount > 1')).toBeNull();
    expect(() => compileFeel('  ')).toThrow(FeelSyntaxError);
  });
  it('returns temporal values as ISO strings', () => {
    expect(evaluateFeel('date("2026-01-31") + duration("P1D")')).toBe('2026-02-01');
  });
  it('evaluates unary tests for decision tables', () => {
    const t = compileFeelUnaryTests('> 1000000');
    expect(t.test(2000000)).toBe(true);
    expect(t.test(10)).toBe(false);
    expect(compileFeelUnaryTests('"high","medium"').test('medium')).toBe(true);
    expect(compileFeelUnaryTests('-').test('anything')).toBe(true);
  });
  it('is several times faster than evaluating from source each time', () => {
    const src = 'amount > 1000000 and risk = "high"';
    const c = compileFeel(src);
    const n = 3000;
    let t0 = performance.now();
    for (let i = 0; i < n; i++) c.evaluate({ amount: i, risk: 'high' });
    const compiled = performance.now() - t0;
    t0 = performance.now();
    for (let i = 0; i < n; i++) feelin.evaluate(src, { amount: i, risk: 'high' });
    const fromSource = performance.now() - t0;
    expect(fromSource / compiled).toBeGreaterThan(3);
  });
});
