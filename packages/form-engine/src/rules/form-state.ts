/**
 * Which fields are hidden, required and read-only, given which rules currently hold. Kept as
 * counters so the browser runtime can flip one rule without recomputing the whole form.
 */
import type { FormModel } from '../definition/form-model.js';
import type { CompiledRule, RulePlan } from './rule-plan.js';
import type { FormState } from '../types.js';

export class StateCounters {
  private readonly shown = new Map<string, number>();
  private readonly hiddenBy = new Map<string, number>();
  private readonly requiredBy = new Map<string, number>();
  private readonly readOnlyBy = new Map<string, number>();

  constructor(
    private readonly model: FormModel,
    private readonly plan: RulePlan,
  ) {}

  /** Applies a rule turning on (+1) or off (-1); returns the fields whose state may have changed. */
  apply(rule: CompiledRule, delta: 1 | -1): string[] {
    const bump = (m: Map<string, number>, keys: string[]) => {
      for (const k of keys) m.set(k, (m.get(k) ?? 0) + delta);
    };
    bump(this.shown, rule.show);
    bump(this.hiddenBy, rule.hide);
    bump(this.requiredBy, rule.require);
    bump(this.readOnlyBy, rule.readOnly);
    return [...rule.show, ...rule.hide, ...rule.require, ...rule.readOnly];
  }

  isHidden(ref: string): boolean {
    const [top, sub] = ref.split('.');
    if (sub !== undefined && this.isHidden(top!)) return true;
    return (this.plan.showTargets.has(ref) && !(this.shown.get(ref) ?? 0)) || (this.hiddenBy.get(ref) ?? 0) > 0;
  }

  isReadOnlyByRule(ref: string): boolean {
    return (this.readOnlyBy.get(ref) ?? 0) > 0;
  }

  isRequired(ref: string): boolean {
    if (this.isHidden(ref) || this.model.serverOwned.has(ref)) return false;
    const [top, sub] = ref.split('.');
    const field = sub === undefined ? this.model.fields.get(top!) : this.model.groups.get(top!)?.subFields.get(sub);
    return field?.required === true || (this.requiredBy.get(ref) ?? 0) > 0;
  }

  /** Every field reference (top-level keys and group.sub) the state speaks about. */
  refs(): string[] {
    const out = [...this.model.propertyKeys];
    for (const [g, group] of this.model.groups) for (const s of group.subFields.keys()) out.push(`${g}.${s}`);
    return out;
  }

  snapshot(): FormState {
    const refs = this.refs();
    return {
      hidden: refs.filter((r) => this.isHidden(r)),
      required: refs.filter((r) => this.isRequired(r)),
      readOnly: refs.filter((r) => this.isReadOnlyByRule(r) || this.model.serverOwned.has(r)),
    };
  }
}
