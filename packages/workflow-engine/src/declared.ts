/**
 * What a request may put into a process and what only the engine sets. A request (start, task
 * completion, message) may set only the variables its element declares; the identities used for
 * routing and four-eyes (`initiator`, `<activityId>By`, the variables assignments read) come from
 * the engine, never from a request. Also: which variables an expression result is derived from,
 * so a reader sees a derived value only as they may see its sources.
 */
import { compileFeel } from '@crm/feel';
import type { DecisionModel } from './dmn.js';
import type { ElementDef, ProcessModel } from './model.js';

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
export const OBJECT_KEY = /^[a-z][a-z0-9_]{0,62}$/;
/** Technical roles a service task may act as (`crm:runAs`); defined like any role by the security administrator. */
export const TECHNICAL_ROLE = /^workflow_[a-z0-9_]{1,56}$/;

const ENGINE_SET = new Set(['initiator', 'businessKey', 'completedBy']);

/** The variable holding who completed a user task: set by the engine on completion. */
export function completerVariable(activityId: string): string {
  return `${activityId}By`;
}

/** Identity variables only the engine writes: `initiator`, `businessKey`, `completedBy` and every `…By`. */
export function isReservedVariable(name: string): boolean {
  return ENGINE_SET.has(name) || /By$/.test(name);
}

function feelInputs(expr: string | undefined, always: boolean): string[] {
  if (expr === undefined || (!always && !expr.trim().startsWith('='))) return [];
  try {
    return [...compileFeel(expr).inputs];
  } catch {
    return [];
  }
}

/** Variables that decide who works a task or who may not (assignee, candidates, four-eyes exclusions). */
export function routingVariables(model: ProcessModel): Set<string> {
  const out = new Set<string>();
  for (const el of Object.values(model.elements)) {
    if (el.type !== 'userTask') continue;
    for (const n of [
      ...feelInputs(el.assignee, false),
      ...feelInputs(el.candidateGroups, false),
      ...feelInputs(el.candidateOrgUnits, false),
      ...feelInputs(el.excludeUsers, true),
    ]) out.add(n);
  }
  return out;
}

/** The names a request may set at this element (undefined: the element declares none). */
export function declaredNames(el: ElementDef | undefined): readonly string[] {
  return el?.declared ?? [];
}

/**
 * For each variable an expression of the model writes (script results, decision results, input and
 * output mappings, multi-instance outputs), the variables it is computed from. Conservative: an output mapping of an
 * element also depends on what the element's inputs read (a service computes from its inputs).
 */
export function derivedFrom(model: ProcessModel, resolveDecision?: (ref: string) => DecisionModel | undefined): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (target: string, sources: Iterable<string>) => {
    const s = out.get(target) ?? new Set<string>();
    for (const x of sources) if (x !== target) s.add(x);
    out.set(target, s);
  };
  for (const el of Object.values(model.elements)) {
    const inputReads = (el.inputs ?? []).flatMap((m) => feelInputs(m.source, true));
    for (const m of el.inputs ?? []) add(m.target, feelInputs(m.source, true));
    for (const m of el.outputs ?? []) add(m.target, [...feelInputs(m.source, true), ...inputReads]);
    if (el.type === 'scriptTask' && el.resultVariable) add(el.resultVariable, [...feelInputs(el.script, true), ...inputReads]);
    if (el.type === 'businessRuleTask' && el.decisionRef) {
      // A decision reads its tables' input expressions; one that cannot be resolved may read anything ('*').
      const dm = resolveDecision?.(el.decisionRef);
      const reads = dm ? Object.values(dm.decisions).flatMap((t) => t.inputs.flatMap((i) => feelInputs(i.expression, true))) : ['*'];
      add(el.resultVariable ?? el.decisionRef, [...reads, ...inputReads]);
    }
    const mi = el.multiInstance;
    if (mi?.outputCollection) add(mi.outputCollection, [...feelInputs(mi.outputElement, true), ...feelInputs(mi.collection, true)]);
  }
  return out;
}

/** Every variable `name` is (transitively) derived from, itself included. */
export function sourcesOf(graph: Map<string, Set<string>>, name: string): Set<string> {
  const seen = new Set<string>([name]);
  const todo = [name];
  while (todo.length) {
    for (const s of graph.get(todo.pop()!) ?? []) {
      if (!seen.has(s)) {
        seen.add(s);
        todo.push(s);
      }
    }
  }
  return seen;
}

/** Every variable some expression of the model reads (conditions, mappings, scripts, assignments, timers). */
export function namesRead(model: ProcessModel): Set<string> {
  const out = new Set<string>();
  const take = (e: string | undefined, always = true) => feelInputs(e, always).forEach((n) => out.add(n));
  for (const f of Object.values(model.flows)) take(f.condition);
  for (const el of Object.values(model.elements)) {
    for (const m of [...(el.inputs ?? []), ...(el.outputs ?? [])]) take(m.source);
    take(el.script);
    take(el.dueDate);
    take(el.excludeUsers);
    for (const a of [el.assignee, el.candidateGroups, el.candidateOrgUnits]) take(a, false);
    const mi = el.multiInstance;
    if (mi) for (const e of [mi.collection, mi.loopCardinality, mi.outputElement, mi.completionCondition]) take(e);
    // Without input mappings a service or call gets every visible variable.
    if ((el.type === 'serviceTask' || el.type === 'sendTask' || el.type === 'callActivity') && !el.inputs?.length) out.add('*');
  }
  return out;
}
