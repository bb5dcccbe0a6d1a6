/**
 * Rules and computed fields compiled once per form: each FEEL expression with the fields it reads,
 * and indexes from a field to the expressions that read it (what the browser runtime re-runs on a
 * keystroke).
 */
import { compileFeel, FeelBudgetError, type CompiledFeel } from '@crm/feel';
import type { FormModel } from '../definition/form-model.js';
import { orderComputed } from './computed-order.js';

export interface CompiledRule {
  index: number;
  when: CompiledFeel;
  show: string[];
  hide: string[];
  require: string[];
  readOnly: string[];
  set: { target: string; expr: CompiledFeel }[];
}

export interface CompiledComputed {
  key: string;
  expr: CompiledFeel;
}

export interface RulePlan {
  rules: CompiledRule[];
  /** In dependency order: a computed field comes after the computed fields it reads. */
  computed: CompiledComputed[];
  /** Fields named in some rule's `show`: hidden unless one of those rules holds. */
  showTargets: Set<string>;
  /** field → rules whose `when` reads it. */
  rulesReading: Map<string, CompiledRule[]>;
  /** field → rules with a `set` expression that reads it. */
  setsReading: Map<string, CompiledRule[]>;
  /** field → computed fields that read it. */
  computedReading: Map<string, CompiledComputed[]>;
}

/** Thrown by compileForm when the definition does not hold together; `issues` says why. */
export class FormDefinitionError extends Error {
  constructor(readonly issues: { path: string; code: string; message: string }[]) {
    super(`invalid form definition: ${issues.map((i) => `${i.path || '/'} ${i.message}`).join('; ')}`);
    this.name = 'FormDefinitionError';
  }
}

function index<T>(map: Map<string, T[]>, keys: readonly string[], item: T): void {
  for (const k of new Set(keys)) {
    const list = map.get(k);
    if (list) {
      if (!list.includes(item)) list.push(item);
    } else map.set(k, [item]);
  }
}

export function buildRulePlan(model: FormModel): RulePlan {
  const rules: CompiledRule[] = model.rules.map((r, i) => ({
    index: i,
    when: compileFeel(r.when),
    show: r.show ?? [],
    hide: r.hide ?? [],
    require: r.require ?? [],
    readOnly: r.readOnly ?? [],
    set: Object.entries(r.set ?? {}).map(([target, expr]) => ({ target, expr: compileFeel(expr) })),
  }));
  const { order, cycle } = orderComputed(model.computed);
  if (cycle.length) {
    throw new FormDefinitionError(cycle.map((k) => ({ path: '', code: 'computed_cycle', message: `computed field "${k}" is on a cycle` })));
  }
  const computed = order.map((key) => ({ key, expr: compileFeel(model.computed.get(key)!) }));
  const plan: RulePlan = {
    rules, computed,
    showTargets: new Set(rules.flatMap((r) => r.show)),
    rulesReading: new Map(), setsReading: new Map(), computedReading: new Map(),
  };
  for (const r of rules) {
    index(plan.rulesReading, r.when.inputs, r);
    for (const s of r.set) index(plan.setsReading, s.expr.inputs, r);
  }
  for (const c of computed) index(plan.computedReading, c.expr.inputs, c);
  return plan;
}

/**
 * Evaluates without throwing: a FEEL runtime failure counts as null, like a missing value. An
 * evaluation stopped by its budget is reported to `onBudget` too, so a write can refuse it.
 */
export function evaluate(expr: CompiledFeel, context: Record<string, unknown>, onBudget?: (err: FeelBudgetError) => void): unknown {
  try {
    return expr.evaluate(context);
  } catch (err) {
    if (err instanceof FeelBudgetError) onBudget?.(err);
    return null;
  }
}
