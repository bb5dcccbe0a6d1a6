/**
 * Rule tags: which definitions compile, which tags hold for a customer, and the guarantee-circle id.
 * (`aggregates` is left to the decimal-money tests: its inputs become decimal strings.)
 */
import { describe, expect, it } from '@jest/globals';
import { FeelBudgetError } from '@crm/feel';
import { circleId, compileRules, evaluateRuleTags, RULE_VARIABLES, type RuleTag } from './rule-tags.js';

const rule = (code: string, text: string) => ({ code, rule: text, kind: 'rule' });

describe('compileRules', () => {
  it('compiles rule tags only, and reports (without stopping) a rule that does not compile', () => {
    const warned: [string, string][] = [];
    const rules = compileRules(
      [
        rule('vip', 'aum >= 1000000'),
        { code: 'manual', rule: 'aum > 0', kind: 'manual' },
        { code: 'empty', rule: null, kind: 'rule' },
        { code: 'blank', rule: '', kind: 'rule' },
        rule('broken', 'aum >= '),
        rule('young', 'age < 30'),
      ],
      (code, err) => warned.push([code, err.message]),
    );
    expect(rules.map((r) => r.code)).toEqual(['vip', 'young']);
    expect(warned.map(([code]) => code)).toEqual(['broken']);
    expect(warned[0][1]).toEqual(expect.any(String));
  });

  it('keeps what each rule reads, so evaluation hands it only those names', () => {
    const [r] = compileRules([rule('loan_heavy', 'loan_balance > deposit_balance and as_of >= "2026-01-01"')]);
    expect([...r.feel.inputs].sort()).toEqual(['as_of', 'deposit_balance', 'loan_balance']);
    for (const name of r.feel.inputs) expect(RULE_VARIABLES).toContain(name);
  });
});

describe('evaluateRuleTags', () => {
  const rules = compileRules([
    rule('vip', 'aum >= 1000000'),
    rule('high_risk', 'risk_level = "high"'),
    rule('review_due', 'kyc_next_review <= as_of'),
    rule('has_loan', 'count(holdings[category = "loan"]) > 0'),
    rule('not_boolean', 'aum'),
  ]);

  it('tags exactly the rules that are true, sorted', () => {
    const ctx = { aum: 2_000_000, risk_level: 'high', kyc_next_review: '2026-02-28', holdings: [{ category: 'loan', balance: 1 }] };
    expect(evaluateRuleTags(rules, ctx, '2026-03-01')).toEqual(['has_loan', 'high_risk', 'review_due', 'vip']);
    expect(evaluateRuleTags(rules, { ...ctx, aum: 999_999, risk_level: 'low', holdings: [{ category: 'deposit', balance: 1 }] }, '2026-03-01')).toEqual(['review_due']);
  });

  it('compares dates with the given as_of (ISO dates compare as text)', () => {
    const ctx = { kyc_next_review: '2026-03-01' };
    expect(evaluateRuleTags(rules, ctx, '2026-02-28')).toEqual([]);
    expect(evaluateRuleTags(rules, ctx, '2026-03-01')).toEqual(['review_due']);
  });

  it('does not tag on a missing value or a result that is truthy but not true', () => {
    expect(evaluateRuleTags(rules, {}, '2026-03-01')).toEqual([]);
    expect(evaluateRuleTags(rules, { aum: 5, risk_level: null, kyc_next_review: null }, '2026-03-01')).toEqual([]);
  });

  it('ignores a caller-supplied as_of: the date is the evaluation date', () => {
    expect(evaluateRuleTags(rules, { kyc_next_review: '2026-03-01', as_of: '2099-01-01' }, '2026-01-01')).toEqual([]);
  });

  it('reports a rule stopped by the FEEL budget and still evaluates the others', () => {
    const heavy = compileRules([rule('heavy', 'count(for i in 1..holding_count return i) > 0'), rule('vip', 'aum >= 1000000')]);
    const stopped: [RuleTag, FeelBudgetError][] = [];
    const tags = evaluateRuleTags(heavy, { holding_count: 100_000_000, aum: 1_000_000 }, '2026-03-01', (r, err) => stopped.push([r, err]));
    expect(tags).toEqual(['vip']);
    expect(stopped.map(([r]) => r.code)).toEqual(['heavy']);
    expect(stopped[0][1]).toBeInstanceOf(FeelBudgetError);
  });
});

describe('circleId', () => {
  it('is stable for the same members in any order, and differs for other members', () => {
    const id = circleId(['c', 'a', 'b']);
    expect(id).toMatch(/^GC-[0-9A-F]{10}$/);
    expect(circleId(['a', 'b', 'c'])).toBe(id);
    expect(circleId(['a', 'b'])).not.toBe(id);
    expect(circleId(['a', 'b', 'd'])).not.toBe(id);
  });

  it('does not reorder the caller\'s array', () => {
    const members = ['z', 'y'];
    circleId(members);
    expect(members).toEqual(['z', 'y']);
  });
});
