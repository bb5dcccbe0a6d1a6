/**
 * Replays a conformance script (engine-specs/bpmn/<name>.script.json, format in its README) against the
 * engine. Pure: the caller reads files. `persist` lets a caller push the state through its own storage
 * between steps; by default it goes through JSON, as a database would.
 */
import { activeActivities, handleEvent, openTasks, retryIncident, setVariables, startInstance, variablesOf, type StepOptions } from './api.js';
import type { DecisionModel } from './dmn.js';
import { WorkflowEventError } from './errors.js';
import type { ProcessModel } from './model.js';
import type { Effect, InstanceState, StepResult, TraceEntry, Wait, WorkflowEvent } from './state.js';

export interface ScriptExpect {
  activeActivities?: string[];
  state?: InstanceState['status'];
  variables?: Record<string, unknown>;
  /** Process variables that must not exist. */
  absentVariables?: string[];
  /** Each must match (as a subset) an effect of this step, in this order. */
  effects?: Record<string, unknown>[];
  /** Effect types that must not occur in this step. */
  noEffects?: string[];
  /** Open user tasks after the step, each matched as a subset, in order. */
  tasks?: Record<string, unknown>[];
  /** The step must be refused with this WorkflowEventError code (the state stays as it was). */
  error?: string;
}

export type ScriptStep = { at?: string; expect?: ScriptExpect } & (
  | { completeTask: { activityId: string; by: string; variables?: Record<string, unknown> } }
  | { timer: { activityId: string } }
  | { message: { name: string; correlationKey?: string; variables?: Record<string, unknown> } }
  | { signal: { name: string; variables?: Record<string, unknown> } }
  | { serviceCompleted: { activityId: string; result?: Record<string, unknown> } }
  | { serviceFailed: { activityId: string; errorCode?: string; message: string } }
  | { callCompleted: { activityId: string; variables?: Record<string, unknown> } }
  | { cancel: true }
  | { setVariables: Record<string, unknown> }
  | { retryIncident: { activityId: string } }
  | { event: WorkflowEvent }
);

export interface SpecScript {
  description: string;
  initiator?: string;
  businessKey?: string;
  now?: string;
  startEventId?: string;
  variables?: Record<string, unknown>;
  /** DMN files next to the model, resolved by decision id. */
  decisions?: string[];
  expectAfterStart?: ScriptExpect;
  steps: ScriptStep[];
  /** "<activityId>:<start|end|cancel|incident>" for every trace entry, in order. */
  expectedTrace: string[];
  expectedEnd: 'completed' | 'terminated' | 'incident' | 'active';
}

export interface ScriptOutcome {
  failures: string[];
  state: InstanceState;
  trace: TraceEntry[];
  effects: Effect[][];
}

const DEFAULT_NOW = '2026-01-05T09:00:00.000Z';

function subset(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return JSON.stringify(actual) === JSON.stringify(expected);
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => subset(actual[i], e));
  if (actual === null || typeof actual !== 'object') return false;
  return Object.entries(expected).every(([k, v]) => subset((actual as Record<string, unknown>)[k], v));
}

export function runScript(
  model: ProcessModel,
  script: SpecScript,
  opts: { decisions?: DecisionModel[]; persist?: (s: InstanceState) => InstanceState } = {},
): ScriptOutcome {
  const failures: string[] = [];
  const persist = opts.persist ?? ((s: InstanceState) => JSON.parse(JSON.stringify(s)) as InstanceState);
  const resolveDecision = (ref: string) => opts.decisions?.find((d) => d.decisions[ref]);
  let now = script.now ?? DEFAULT_NOW;
  const trace: TraceEntry[] = [];
  const effects: Effect[][] = [];
  const step = (r: StepResult) => {
    trace.push(...r.trace);
    effects.push(r.effects);
    return persist(r.state);
  };
  let state = step(
    startInstance(model, {
      instanceId: 'pi-1',
      initiator: script.initiator ?? 'initiator',
      now,
      resolveDecision,
      ...(script.variables ? { variables: script.variables } : {}),
      ...(script.businessKey ? { businessKey: script.businessKey } : {}),
      ...(script.startEventId ? { startEventId: script.startEventId } : {}),
    }),
  );
  if (script.expectAfterStart) check('start', script.expectAfterStart, state, effects[effects.length - 1]!, failures);

  script.steps.forEach((s, n) => {
    const label = `step ${n + 1} (${Object.keys(s).filter((k) => k !== 'at' && k !== 'expect')[0]})`;
    if (s.at) now = s.at;
    const o: StepOptions = { now, resolveDecision };
    const waits = Object.values(state.waits);
    const find = (kind: Wait['kind'], pred: (w: Wait) => boolean, what: string): Wait => {
      const w = waits.find((x) => x.kind === kind && pred(x));
      if (!w) throw new WorkflowEventError('NOT_FOUND', `${label}: no open ${kind} for ${what}`);
      return w;
    };
    const before = state;
    let stepEffects: Effect[] = [];
    try {
      const results: StepResult[] = [];
      if ('completeTask' in s) {
        const w = find('task', (x) => x.elementId === s.completeTask.activityId, s.completeTask.activityId);
        results.push(handleEvent(model, state, { type: 'completeTask', taskId: w.id, by: s.completeTask.by, ...(s.completeTask.variables ? { variables: s.completeTask.variables } : {}) }, o));
      } else if ('timer' in s) {
        const w = find('timer', (x) => x.elementId === s.timer.activityId, s.timer.activityId);
        if (!s.at) now = w.dueAt!;
        results.push(handleEvent(model, state, { type: 'timer', timerId: w.id }, { ...o, now }));
      } else if ('message' in s) {
        const m = s.message;
        const w = find('message', (x) => x.name === m.name && (m.correlationKey === undefined || x.correlationKey === m.correlationKey), m.name);
        results.push(handleEvent(model, state, { type: 'message', subscriptionId: w.id, name: m.name, ...(m.variables ? { variables: m.variables } : {}) }, o));
      } else if ('signal' in s) {
        // A broadcast: every subscription open when the signal arrives, while it is still open.
        const ids = waits.filter((x) => x.kind === 'signal' && x.name === s.signal.name).map((x) => x.id);
        if (!ids.length) throw new WorkflowEventError('NOT_FOUND', `${label}: no signal subscription for ${s.signal.name}`);
        let cur = state;
        for (const id of ids) {
          if (!cur.waits[id] || (cur.status !== 'active' && cur.status !== 'incident')) continue;
          const r = handleEvent(model, cur, { type: 'signal', subscriptionId: id, name: s.signal.name, ...(s.signal.variables ? { variables: s.signal.variables } : {}) }, o);
          results.push(r);
          cur = r.state;
        }
      } else if ('serviceCompleted' in s) {
        const w = find('job', (x) => x.elementId === s.serviceCompleted.activityId, s.serviceCompleted.activityId);
        results.push(handleEvent(model, state, { type: 'serviceCompleted', jobId: w.id, ...(s.serviceCompleted.result ? { result: s.serviceCompleted.result } : {}) }, o));
      } else if ('serviceFailed' in s) {
        const f = s.serviceFailed;
        const w = find('job', (x) => x.elementId === f.activityId, f.activityId);
        results.push(handleEvent(model, state, { type: 'serviceFailed', jobId: w.id, message: f.message, ...(f.errorCode ? { errorCode: f.errorCode } : {}) }, o));
      } else if ('callCompleted' in s) {
        const w = find('call', (x) => x.elementId === s.callCompleted.activityId, s.callCompleted.activityId);
        results.push(handleEvent(model, state, { type: 'callCompleted', callId: w.id, ...(s.callCompleted.variables ? { variables: s.callCompleted.variables } : {}) }, o));
      } else if ('cancel' in s) {
        results.push(handleEvent(model, state, { type: 'cancel' }, o));
      } else if ('setVariables' in s) {
        results.push({ state: setVariables(state, s.setVariables), effects: [], trace: [] });
      } else if ('retryIncident' in s) {
        const inc = Object.values(state.incidents).find((i) => i.activityId === s.retryIncident.activityId);
        if (!inc) throw new WorkflowEventError('NOT_FOUND', `${label}: no incident at ${s.retryIncident.activityId}`);
        results.push(retryIncident(model, state, inc.id, o));
      } else if ('event' in s) {
        results.push(handleEvent(model, state, s.event, o));
      } else {
        failures.push(`${label}: unknown step ${JSON.stringify(s)}`);
        return;
      }
      for (const r of results) {
        stepEffects = stepEffects.concat(r.effects);
        trace.push(...r.trace);
        state = persist(r.state);
      }
      effects.push(stepEffects);
      if (s.expect?.error) failures.push(`${label}: expected error ${s.expect.error}, but the step succeeded`);
    } catch (err) {
      if (!(err instanceof WorkflowEventError)) throw err;
      if (s.expect?.error !== err.code) failures.push(`${label}: ${err.code} ${err.message}`);
      if (JSON.stringify(state) !== JSON.stringify(before)) failures.push(`${label}: state changed by a refused event`);
      effects.push([]);
      return;
    }
    if (s.expect) check(label, s.expect, state, stepEffects, failures);
  });

  const got = trace.map((t) => `${t.activityId}:${t.event}`);
  if (JSON.stringify(got) !== JSON.stringify(script.expectedTrace)) {
    failures.push(`trace differs:\n  expected ${JSON.stringify(script.expectedTrace)}\n  got      ${JSON.stringify(got)}`);
  }
  if (state.status !== script.expectedEnd) failures.push(`ended ${state.status}, expected ${script.expectedEnd}`);
  return { failures, state, trace, effects };
}

function check(label: string, e: ScriptExpect, state: InstanceState, stepEffects: Effect[], failures: string[]): void {
  if (e.state && state.status !== e.state) failures.push(`${label}: state ${state.status}, expected ${e.state}`);
  if (e.activeActivities) {
    const got = activeActivities(state).sort();
    const want = [...e.activeActivities].sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${label}: active ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
  if (e.variables) {
    const vars = variablesOf(state);
    for (const [k, v] of Object.entries(e.variables)) {
      if (!subset(vars[k], v)) failures.push(`${label}: variable ${k} = ${JSON.stringify(vars[k])}, expected ${JSON.stringify(v)}`);
    }
  }
  for (const k of e.absentVariables ?? []) {
    if (k in variablesOf(state)) failures.push(`${label}: variable ${k} should not exist`);
  }
  if (e.effects) {
    let from = 0;
    for (const want of e.effects) {
      const at = stepEffects.findIndex((eff, i) => i >= from && subset(eff, want));
      if (at < 0) {
        failures.push(`${label}: no effect ${JSON.stringify(want)} (in order) among ${JSON.stringify(stepEffects)}`);
        break;
      }
      from = at + 1;
    }
  }
  for (const t of e.noEffects ?? []) if (stepEffects.some((x) => x.type === t)) failures.push(`${label}: unexpected ${t} effect`);
  if (e.tasks) {
    const tasks = openTasks(state);
    if (tasks.length !== e.tasks.length || !e.tasks.every((t, i) => subset(tasks[i], t))) {
      failures.push(`${label}: open tasks ${JSON.stringify(tasks)}, expected ${JSON.stringify(e.tasks)}`);
    }
  }
}
