/**
 * The choices completing a user task makes, read from the model: the task flows into an exclusive
 * gateway whose outgoing flows test one variable the task sets (`decision = "approve"`, or an output
 * mapping of it: `creditDecision = "approve"`). Each conditioned flow is a choice (its name, when the
 * model gives one, is the label); the default flow is the value none of them takes. A gateway whose
 * conditions are anything else gives no choices: the task is completed with its form or a plain button.
 */
import type { ProcessModel } from './model.js';

export interface TaskOutcome {
  /** The variable the task sets (a declared output). */
  variable: string;
  value: string | boolean;
  /** The flow's name in the model, when it has one. */
  label: string | null;
}

const IDENT = /^=\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/;
const CHOICE = /^=?\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:"([^"\\]{1,100})"|(true|false))\s*$/;
/** What the default flow's value is called when the conditioned flows take the usual positive values. */
const DEFAULT_VALUES = ['reject', 'rejected', 'no', 'other'];

export function taskOutcomes(model: ProcessModel, activityId: string): TaskOutcome[] {
  const el = model.elements[activityId];
  if (!el || el.type !== 'userTask' || el.outgoing.length !== 1) return [];
  const declared = new Set(el.declared ?? []);
  // A name the gateway may test → the declared output it carries.
  const carries = new Map<string, string>([...declared].map((d) => [d, d]));
  for (const m of el.outputs ?? []) {
    const src = IDENT.exec(m.source)?.[1];
    if (src && declared.has(src)) carries.set(m.target, src);
    else carries.delete(m.target);
  }
  const gw = model.elements[model.flows[el.outgoing[0]!]?.target ?? ''];
  if (!gw || gw.type !== 'exclusiveGateway') return [];
  const out: TaskOutcome[] = [];
  let defaultLabel: string | null | undefined;
  for (const fid of gw.outgoing) {
    const f = model.flows[fid];
    if (!f) return [];
    if (fid === gw.defaultFlow) {
      defaultLabel = f.name ?? null;
      continue;
    }
    const m = CHOICE.exec(f.condition ?? '');
    const variable = m ? carries.get(m[1]!) : undefined;
    if (!m || !variable) return [];
    const value: string | boolean = m[2] ?? m[3] === 'true';
    if (out.some((o) => o.variable !== variable)) return [];
    if (!out.some((o) => o.value === value)) out.push({ variable, value, label: f.name ?? null });
  }
  if (!out.length) return [];
  if (defaultLabel !== undefined) {
    const taken = new Set(out.map((o) => o.value));
    const value = typeof out[0]!.value === 'boolean' ? !out[0]!.value : DEFAULT_VALUES.find((v) => !taken.has(v));
    if (value !== undefined && !taken.has(value)) out.push({ variable: out[0]!.variable, value, label: defaultLabel });
  }
  return out;
}
