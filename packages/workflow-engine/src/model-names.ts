/**
 * The FEEL of a process model and the names it may read, for the semantic check at deploy: a
 * condition that reads `amont` (typo), `预约金额` (a label) or `amount ＞ 1` (full width) is refused
 * with the problem named, instead of never firing.
 *
 * A model's names are those it declares (start/catch/task inputs and outputs), writes (mappings,
 * result variables, multi-instance variables) or the engine sets (`initiator`, `businessKey`, `…By`).
 * A process may read more: what a calling process passes, and what a step whose results nobody
 * declares sets (a service task without output mappings, a call activity, a business-rule task
 * without a result variable — "opaque" steps). So an unknown name is refused only when it is close to
 * a known one (a typo) and the model has no opaque step.
 */
import { completerVariable } from './declared.js';
import type { ProcessModel } from './model.js';

export interface ModelExpression {
  elementId: string;
  what: string;
  expression: string;
}

/** Names available in every process: set by the engine, by triggers (record events) and multi-instance bodies. */
const ALWAYS = ['initiator', 'businessKey', 'completedBy', 'record', 'object', 'recordId', 'previous', 'changed', 'formKey',
  'loopCounter', 'nrOfInstances', 'nrOfActiveInstances', 'nrOfCompletedInstances'];

export function modelNames(model: ProcessModel): { names: Set<string>; opaque: boolean } {
  const names = new Set<string>(ALWAYS);
  let opaque = false;
  for (const el of Object.values(model.elements)) {
    for (const n of el.declared ?? []) names.add(n);
    for (const m of [...(el.inputs ?? []), ...(el.outputs ?? [])]) names.add(m.target.split('.')[0]!);
    if (el.resultVariable) names.add(el.resultVariable);
    if (el.multiInstance?.elementVariable) names.add(el.multiInstance.elementVariable);
    if (el.multiInstance?.outputCollection) names.add(el.multiInstance.outputCollection);
    if (el.type === 'userTask') names.add(completerVariable(el.id));
    if ((el.type === 'serviceTask' || el.type === 'sendTask') && !(el.outputs ?? []).length) opaque = true;
    if (el.type === 'callActivity' || (el.type === 'businessRuleTask' && !el.resultVariable)) opaque = true;
    // A user task with a form sets that form's fields: the caller adds them (it knows the forms).
  }
  return { names, opaque };
}

/** Every FEEL expression of the model that reads variables, with where it sits. */
export function modelExpressions(model: ProcessModel): ModelExpression[] {
  const out: ModelExpression[] = [];
  const add = (elementId: string, what: string, e: string | undefined, always = true) => {
    if (e === undefined || e.trim() === '') return;
    if (!always && !e.trim().startsWith('=')) return;
    out.push({ elementId, what, expression: e });
  };
  for (const f of Object.values(model.flows)) add(f.id, 'condition', f.condition);
  for (const el of Object.values(model.elements)) {
    add(el.id, 'script', el.script);
    for (const m of el.inputs ?? []) add(el.id, `input ${m.target}`, m.source);
    for (const m of el.outputs ?? []) add(el.id, `output ${m.target}`, m.source);
    add(el.id, 'dueDate', el.dueDate, false);
    add(el.id, 'assignee', el.assignee, false);
    add(el.id, 'candidateGroups', el.candidateGroups, false);
    if (el.multiInstance) {
      add(el.id, 'collection', el.multiInstance.collection);
      add(el.id, 'completionCondition', el.multiInstance.completionCondition);
    }
  }
  return out;
}
