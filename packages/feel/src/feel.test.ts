import { afterEach, describe, expect, it } from '@jest/globals';
import * as feelin from 'feelin';
import {
  checkFeel, compileFeel, compileFeelUnaryTests, configureFeelBudget, DEFAULT_FEEL_BUDGET, estimateIterations, evaluateFeel,
  FeelBudgetError, FeelShapeError, FeelSyntaxError,
} from './index.js';

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

describe('feel budgets', () => {
  let afterDone = () => undefined as void;
  afterEach(() => afterDone());
  it('estimates the static shape of nested loops over literal ranges and lists', () => {
    expect(estimateIterations('every i in 1..1000, j in 1..1500 satisfies i > 0')).toBe(1000 + 1_500_000);
    expect(estimateIterations('for i in [1..10], x in [1,2,3] return for y in 1..5 return y')).toBe(10 + 30 + 150);
    expect(estimateIterations('for i in -5..5 return i')).toBe(11);
    // Unknown domains count as one: only what is certainly too big is refused at save time.
    expect(estimateIterations('some h in holdings satisfies h.balance > 0')).toBe(1);
    expect(estimateIterations('amount > 1000')).toBe(0);
  });

  it('refuses at compile time an expression whose shape exceeds the budget, with a Chinese message', () => {
    const e = checkFeel('every i in 1..1000, j in 1..1500 satisfies i > 0');
    expect(e).toBeInstanceOf(FeelShapeError);
    expect(e).toBeInstanceOf(FeelSyntaxError);
    expect((e as FeelShapeError).localized('zh-CN')).toBe('表达式的循环规模约 1501000 次，超过上限 100000 次');
    expect(checkFeel('every i in 1..100, j in 1..100 satisfies i > 0')).toBeNull();
  });

  it('stops a run-time overrun with FeelBudgetError, quickly, and leaves later evaluations working', () => {
    // A generous time budget, so that the iteration budget is what stops these (the machine may be slow).
    configureFeelBudget({ maxMs: 5000 });
    afterDone = () => configureFeelBudget(DEFAULT_FEEL_BUDGET);
    const big = compileFeel('count(for i in 1..n return i)');
    expect(big.evaluate({ n: 10 })).toBe(10);
    const t0 = performance.now();
    expect(() => big.evaluate({ n: 50_000_000 })).toThrow(FeelBudgetError);
    expect(performance.now() - t0).toBeLessThan(1000);
    try {
      big.evaluate({ n: 50_000_000 });
    } catch (err) {
      expect((err as FeelBudgetError).kind).toBe('iterations');
      expect((err as FeelBudgetError).localized('zh-CN')).toBe('表达式的循环次数超过上限 100000 次');
    }
    // Quantifiers, filters and list-doubling through built-ins all count.
    expect(() => evaluateFeel('some i in 1..n satisfies i < 0', { n: 1e7 })).toThrow(FeelBudgetError);
    expect(() => evaluateFeel('count(xs[item > 0])', { xs: Array.from({ length: 200_000 }, (_, i) => i) })).toThrow(FeelBudgetError);
    expect(() => evaluateFeel('count(for i in 1..40 return if i = 1 then [1] else concatenate(partial[-1], partial[-1]))')).toThrow(FeelBudgetError);
    expect(big.evaluate({ n: 3 })).toBe(3);
  });

  it('stops on the time budget too', () => {
    configureFeelBudget({ maxIterations: 10_000_000, maxMs: 20 });
    try {
      const t0 = performance.now();
      let kind = '';
      try {
        evaluateFeel('count(for i in 1..n, j in 1..n return i * j)', { n: 3000 });
      } catch (err) {
        kind = (err as FeelBudgetError).kind;
      }
      expect(kind).toBe('time');
      expect(performance.now() - t0).toBeLessThan(1000);
    } finally {
      configureFeelBudget(DEFAULT_FEEL_BUDGET);
    }
  });

  it('refuses a regular expression that could backtrack without end: at save time when written, before it runs otherwise', () => {
    const saved = checkFeel('matches(name, "(a+)+$")');
    expect(saved).toBeInstanceOf(FeelShapeError);
    expect((saved as FeelShapeError).localized('zh-CN')).toContain('可能无限回溯');
    const t0 = performance.now();
    let caught: unknown;
    try {
      evaluateFeel('matches(s, p)', { s: 'a'.repeat(40) + '!', p: '(a+)+$' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FeelBudgetError);
    expect((caught as FeelBudgetError).kind).toBe('pattern');
    expect(performance.now() - t0).toBeLessThan(1000);
    // Ordinary patterns work as before.
    expect(evaluateFeel('matches(m, "^1[3-9]\\d{9}$")', { m: '13800138000' })).toBe(true);
    expect(evaluateFeel('replace("a-b-c", "-", "+")')).toBe('a+b+c');
    expect(evaluateFeel('split("a,b", ",")')).toEqual(['a', 'b']);
  });

  it('reads built-in functions as functions, not as input variables', () => {
    const e = compileFeel('count(holdings) >= 2 and sum(holdings.balance) > 1000 and string length(name) > 1');
    expect([...e.inputs].sort()).toEqual(['holdings', 'name']);
    expect(e.evaluate({ holdings: [{ balance: 600 }, { balance: 700 }], name: '张三' })).toBe(true);
    // A variable that is called stays an input.
    expect(compileFeel('f(1)').inputs).toEqual(['f']);
  });
});
