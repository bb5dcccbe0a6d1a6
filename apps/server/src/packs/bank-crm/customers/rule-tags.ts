/** Rule tags: FEEL conditions over a customer's fields and holdings aggregates. Shared by the server job and the demo loader. */
import { compileFeel, FeelBudgetError, FeelDecimal, feelNumber, type CompiledFeel } from '@crm/feel';
import { createHash } from 'node:crypto';

export interface RuleTag {
  code: string;
  feel: CompiledFeel;
}

export function compileRules(defs: { code: string; rule: string | null; kind: string }[], warn: (code: string, err: Error) => void = () => undefined): RuleTag[] {
  const out: RuleTag[] = [];
  for (const d of defs) {
    if (d.kind !== 'rule' || !d.rule) continue;
    try {
      out.push({ code: d.code, feel: compileFeel(d.rule) });
    } catch (err) {
      warn(d.code, err as Error);
    }
  }
  return out;
}

/**
 * Names a rule may read besides the customer's own (not encrypted) fields: the holdings aggregates,
 * the list of open holdings (for `count(holdings)`, `sum(holdings[category = "loan"].balance)` …) and today.
 */
export const RULE_VARIABLES = ['aum', 'deposit_balance', 'loan_balance', 'wealth_balance', 'insurance_balance', 'holding_count', 'holdings', 'as_of'] as const;

/** The aggregate variables rules may use: balances as FEEL decimals (never doubles), the count as a number. */
export interface RuleAggregates {
  aum: FeelDecimal;
  deposit_balance: FeelDecimal;
  loan_balance: FeelDecimal;
  wealth_balance: FeelDecimal;
  insurance_balance: FeelDecimal;
  holding_count: number;
}

/** A balance sum as PostgreSQL's numeric gives it ("123.45"); anything else is a bug upstream, not a zero. */
function balance(byCategory: Record<string, string>, category: string): FeelDecimal {
  const text = byCategory[category];
  if (text === undefined) return new FeelDecimal(0);
  const n = feelNumber(text);
  if (n === null) throw new RangeError(`holdings sum of ${category} is not a decimal: ${JSON.stringify(text).slice(0, 40)}`);
  return new FeelDecimal(n);
}

/**
 * Holdings balances by category (decimal strings, summed in SQL numeric) → the aggregate variables
 * rules may use. Added as decimals, so an AUM of 9007199254740993.01 keeps its cents; `aum.toFixed(2)`
 * gives the stored form.
 */
export function aggregates(byCategory: Record<string, string>, count: number): RuleAggregates {
  const g = (k: string) => balance(byCategory, k);
  return {
    aum: g('deposit').plus(g('wealth')).plus(g('fund')).plus(g('insurance')),
    deposit_balance: g('deposit'),
    loan_balance: g('loan'),
    wealth_balance: g('wealth').plus(g('fund')),
    insurance_balance: g('insurance'),
    holding_count: count,
  };
}

/**
 * The rule tags that hold for one customer. `as_of` (today, YYYY-MM-DD) is there for date rules:
 * ISO dates compare as text. Each rule gets only the names it reads (FEEL's cost grows with context size).
 */
export function evaluateRuleTags(
  rules: RuleTag[],
  ctx: Record<string, unknown>,
  asOf = new Date().toISOString().slice(0, 10),
  onBudget?: (rule: RuleTag, err: FeelBudgetError) => void,
): string[] {
  const tags: string[] = [];
  for (const r of rules) {
    const sub: Record<string, unknown> = {};
    for (const k of r.feel.inputs) sub[k] = k === 'as_of' ? asOf : (ctx[k] ?? null);
    try {
      if (r.feel.evaluate(sub) === true) tags.push(r.code);
    } catch (err) {
      // A rule stopped by the FEEL budget is the caller's to report; any other failure just does not tag.
      if (err instanceof FeelBudgetError && onBudget) onBudget(r, err);
    }
  }
  return tags.sort();
}

/** A guarantee circle's id: stable for the same members. */
export function circleId(members: string[]): string {
  return 'GC-' + createHash('sha256').update([...members].sort().join(',')).digest('hex').slice(0, 10).toUpperCase();
}
