/**
 * Runs a form's rules and computed fields over one record, incrementally: after a field changes,
 * only the rules, `set` expressions and computed fields whose FEEL reads that field are evaluated
 * again, and their effects propagate the same way. The server runs it once over a whole
 * submission (everything dirty); the browser runtime runs it per keystroke.
 *
 * FEEL sees hidden fields as null, since a hidden field is never stored.
 */
import { isTrue, type FeelBudgetError } from '@crm/feel';
import type { FormModel } from '../definition/form-model.js';
import type { CompiledComputed, CompiledRule, RulePlan } from './rule-plan.js';
import { evaluate } from './rule-plan.js';
import { StateCounters } from './form-state.js';
import { toFeelValue, toWireValue } from './feel-values.js';
import { normalizeValue, sameValue } from './record-values.js';

/** Rounds of propagation before we call a rule set oscillating (e.g. two rules setting each other). */
const MAX_ROUNDS = 50;

export interface Baseline {
  /** The value a read-only field keeps (the stored one on update, the default on create). */
  top(key: string): unknown;
  /** The stored row value of a repeating group's column. */
  row(group: string, index: number, sub: string): unknown;
}

export class RecordEvaluator {
  readonly values: Record<string, unknown>;
  readonly feel: Record<string, unknown> = {};
  readonly counters: StateCounters;
  readonly active: boolean[];
  evaluations = 0;
  converged = true;
  /** The first evaluation of this pass stopped by the FEEL budget; the pass skips the rest (each would burn the budget again). */
  overBudget: FeelBudgetError | null = null;

  constructor(
    private readonly model: FormModel,
    private readonly plan: RulePlan,
    values: Record<string, unknown>,
    private readonly baseline: Baseline,
  ) {
    this.values = values;
    this.counters = new StateCounters(model, plan);
    this.active = plan.rules.map(() => false);
    for (const key of model.fields.keys()) this.refreshFeel(key);
  }

  /** Evaluates everything once (a submission, or a runtime's initial state). */
  runAll(): string[] {
    return this.propagate([], new Set(this.plan.rules), new Set(this.plan.computed));
  }

  /** Sets a field (as the user would) and re-runs what depends on it; returns the changed fields. */
  change(key: string, value: unknown): string[] {
    // Each change gets a fresh chance: a budget overrun stops the evaluations of one pass only.
    this.overBudget = null;
    if (!this.assign(key, value)) return [];
    return this.propagate([key]);
  }

  private refreshFeel(key: string): void {
    const field = this.model.fields.get(key);
    if (this.counters.isHidden(key)) {
      this.feel[key] = null;
      return;
    }
    const group = this.model.groups.get(key);
    let value = this.values[key];
    if (group && Array.isArray(value)) {
      // Hidden columns of a repeating group read as absent too.
      const hiddenSubs = [...group.subFields.keys()].filter((s) => this.counters.isHidden(`${key}.${s}`));
      if (hiddenSubs.length) {
        value = value.map((row) => {
          if (typeof row !== 'object' || row === null) return row;
          const copy = { ...(row as Record<string, unknown>) };
          for (const s of hiddenSubs) delete copy[s];
          return copy;
        });
      }
    }
    this.feel[key] = toFeelValue(field, value, group?.subFields);
  }

  /** Stores a value (normalized); true when it changed. */
  assign(key: string, value: unknown): boolean {
    const next = normalizeValue(this.model.fields.get(key), value, this.model);
    if (sameValue(this.values[key], next)) return false;
    if (next === undefined) delete this.values[key];
    else this.values[key] = next;
    this.refreshFeel(key);
    return true;
  }

  private run(expr: CompiledRule['when']): unknown {
    if (this.overBudget) return null;
    this.evaluations++;
    // feelin's cost grows with the size of the context it is given, so hand it only what it reads.
    const context: Record<string, unknown> = {};
    for (const name of expr.inputs) if (name in this.feel) context[name] = this.feel[name];
    return evaluate(expr, context, (err) => (this.overBudget = err));
  }

  private restoreRows(group: string, sub: string): boolean {
    const rows = this.values[group];
    if (!Array.isArray(rows)) return false;
    const next = rows.map((row, i) => {
      if (typeof row !== 'object' || row === null) return row;
      const copy = { ...(row as Record<string, unknown>) };
      const kept = this.baseline.row(group, i, sub);
      if (kept === undefined) delete copy[sub];
      else copy[sub] = kept;
      return copy;
    });
    return this.assign(group, next);
  }

  /** Re-runs what reads `changed` (plus anything already marked dirty) until nothing moves. */
  private propagate(changed: string[], dirtyRules = new Set<CompiledRule>(), dirtyComputed = new Set<CompiledComputed>()): string[] {
    const touched = new Set<string>(changed);
    const dirtySets = new Set<CompiledRule>(dirtyRules);
    let queue = changed;
    // Computed fields changed by the computed pass already re-ran their dependents in that pass.
    let computedHandled = new Set<string>();
    for (let round = 0; round < MAX_ROUNDS; round++) {
      for (const k of queue) {
        for (const r of this.plan.rulesReading.get(k) ?? []) dirtyRules.add(r);
        for (const r of this.plan.setsReading.get(k) ?? []) dirtySets.add(r);
        if (computedHandled.has(k)) continue;
        for (const c of this.plan.computedReading.get(k) ?? []) dirtyComputed.add(c);
      }
      computedHandled = new Set();
      const next = new Set<string>();
      const mark = (k: string) => {
        next.add(k);
        touched.add(k);
      };

      for (const rule of dirtyRules) {
        const now = isTrue(this.run(rule.when));
        if (now === this.active[rule.index]) continue;
        const refs = [...new Set([...rule.show, ...rule.hide, ...rule.require, ...rule.readOnly])];
        const wasHidden = refs.map((r) => this.counters.isHidden(r));
        this.active[rule.index] = now;
        this.counters.apply(rule, now ? 1 : -1);
        refs.forEach((ref, i) => {
          touched.add(ref); // its state changed, even if its value did not
          const top = ref.split('.')[0]!;
          if (wasHidden[i] !== this.counters.isHidden(ref)) {
            this.refreshFeel(top);
            next.add(top);
          }
        });
        if (now) {
          for (const ref of rule.readOnly) {
            const [top, sub] = ref.split('.') as [string, string | undefined];
            const moved = sub === undefined ? this.assign(top, this.baseline.top(top)) : this.restoreRows(top, sub);
            if (moved) mark(top);
          }
          if (rule.set.length) dirtySets.add(rule);
        }
      }
      dirtyRules.clear();

      for (const rule of dirtySets) {
        if (!this.active[rule.index]) continue;
        for (const { target, expr } of rule.set) {
          if (this.counters.isHidden(target)) continue;
          const result = toWireValue(this.model.fields.get(target), this.run(expr));
          if (this.assign(target, result)) mark(target);
        }
      }
      dirtySets.clear();

      // In plan order, so a computed field sees the fresh values of the ones it reads.
      for (const c of this.plan.computed) {
        if (!dirtyComputed.has(c)) continue;
        dirtyComputed.delete(c);
        const result = toWireValue(this.model.fields.get(c.key), this.run(c.expr));
        if (this.assign(c.key, result)) {
          mark(c.key);
          computedHandled.add(c.key);
          for (const d of this.plan.computedReading.get(c.key) ?? []) dirtyComputed.add(d);
        }
      }

      if (next.size === 0 && dirtyComputed.size === 0) return [...touched];
      queue = [...next];
    }
    this.converged = false;
    return [...touched];
  }
}
