/** The public execution API: state in, state + effects + trace out. Inputs are never mutated. */
import type { DecisionModel } from './dmn.js';
import { Run } from './engine.js';
import { WorkflowEventError } from './errors.js';
import type { ProcessModel } from './model.js';
import type { Execution, InstanceState, StepResult, TaskInfo, WorkflowEvent } from './state.js';

export interface StepOptions {
  /** The current time (ISO 8601); the engine never reads a clock. */
  now: string;
  /** Business-rule tasks: returns the deployed decision model that holds `decisionRef`. */
  resolveDecision?: (decisionRef: string) => DecisionModel | undefined;
  /** Call activities: whether a process key is deployed (when false: an incident on the call activity). */
  isDeployed?: (processKey: string) => boolean;
}

export interface StartOptions extends StepOptions {
  instanceId: string;
  variables?: Record<string, unknown>;
  /** The starting user; also set as variable `initiator` (over any variable of that name). */
  initiator: string;
  businessKey?: string;
  /** Which start event of the process (a message or timer start, say); default: its none start event. */
  startEventId?: string;
}

/**
 * Copy-on-step: the engine replaces variable values but never mutates a value in place, so copying
 * the containers it does mutate (executions, their variable maps and bookkeeping arrays, waits,
 * incidents) keeps the caller's state untouched at a fraction of a deep clone's cost.
 */
function clone(state: InstanceState): InstanceState {
  const execs: InstanceState['execs'] = {};
  for (const [id, e] of Object.entries(state.execs)) {
    const c: Execution = { ...e };
    if (e.vars) c.vars = { ...e.vars };
    if (e.mi) c.mi = { items: e.mi.items, next: e.mi.next, outputs: [...e.mi.outputs] };
    if (e.arrived) c.arrived = [...e.arrived];
    execs[id] = c;
  }
  const waits: InstanceState['waits'] = {};
  for (const [id, w] of Object.entries(state.waits)) waits[id] = { ...w };
  const incidents: InstanceState['incidents'] = {};
  for (const [id, i] of Object.entries(state.incidents)) incidents[id] = { ...i };
  return { ...state, execs, waits, incidents };
}

export function startInstance(model: ProcessModel, opts: StartOptions): StepResult {
  const scope = model.scopes[model.id]!;
  const startId = opts.startEventId ?? scope.startEvents.find((id) => model.elements[id]!.event?.kind === 'none');
  if (!startId || !scope.startEvents.includes(startId)) {
    throw new WorkflowEventError('INVALID_EVENT', opts.startEventId ? `${opts.startEventId} is not a start event of process ${model.id}` : `process ${model.id} has no none start event: give startEventId`);
  }
  const rootId = `${opts.instanceId}:0`;
  const root: Execution = {
    id: rootId,
    elementId: model.id,
    parent: null,
    kind: 'process',
    startedAt: '',
    startId,
    // The engine's identities win over any variable of the same name.
    vars: { ...(opts.variables ?? {}), initiator: opts.initiator, ...(opts.businessKey !== undefined ? { businessKey: opts.businessKey } : {}) },
  };
  const state: InstanceState = {
    instanceId: opts.instanceId,
    processId: model.id,
    status: 'active',
    ...(opts.businessKey !== undefined ? { businessKey: opts.businessKey } : {}),
    initiator: opts.initiator,
    seq: 0,
    rootId,
    execs: { [rootId]: root },
    waits: {},
    incidents: {},
  };
  const run = new Run(model, state, opts);
  root.startedAt = run.now;
  run.activate(root);
  run.drain();
  return run.result();
}

export function handleEvent(model: ProcessModel, state: InstanceState, event: WorkflowEvent, opts: StepOptions): StepResult {
  if (state.processId !== model.id) throw new WorkflowEventError('INVALID_EVENT', `instance ${state.instanceId} runs process ${state.processId}, not ${model.id}`);
  if (state.status !== 'active' && state.status !== 'incident') {
    throw new WorkflowEventError('NOT_ACTIVE', `instance ${state.instanceId} is ${state.status}`);
  }
  for (const key of ['variables', 'result'] as const) {
    const v = (event as Record<string, unknown>)[key];
    if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) {
      throw new WorkflowEventError('INVALID_EVENT', `${event.type}: ${key} must be an object`);
    }
  }
  const run = new Run(model, clone(state), opts);
  switch (event.type) {
    case 'completeTask':
      if (!event.by) throw new WorkflowEventError('INVALID_EVENT', 'completeTask needs "by"');
      run.completeTask(event.taskId, event.by, event.variables);
      break;
    case 'message':
    case 'signal': {
      const w = run.waitOf(event.subscriptionId, event.type, `${event.type} subscription`);
      if (w.name !== event.name) throw new WorkflowEventError('NAME_MISMATCH', `subscription ${w.id} waits for ${event.type} "${w.name}", not "${event.name}"`);
      run.trigger(w, event.variables);
      break;
    }
    case 'timer':
      run.trigger(run.waitOf(event.timerId, 'timer', 'timer'));
      break;
    case 'serviceCompleted':
      run.serviceCompleted(event.jobId, event.result);
      break;
    case 'serviceFailed':
      run.serviceFailed(event.jobId, event.errorCode, event.message);
      break;
    case 'callCompleted':
      run.callCompleted(event.callId, event.variables);
      break;
    case 'cancel':
      run.cancelInstance();
      break;
    default:
      throw new WorkflowEventError('INVALID_EVENT', `unknown event type ${(event as { type?: unknown }).type}`);
  }
  run.drain();
  return run.result();
}

/** Runs an incident's element again (after its cause, e.g. a variable, was fixed). */
export function retryIncident(model: ProcessModel, state: InstanceState, incidentId: string, opts: StepOptions): StepResult {
  if (state.status !== 'active' && state.status !== 'incident') throw new WorkflowEventError('NOT_ACTIVE', `instance ${state.instanceId} is ${state.status}`);
  const run = new Run(model, clone(state), opts);
  run.retry(incidentId);
  run.drain();
  return run.result();
}

/** Sets process-level variables (an administrator fixing data before a retry). Returns a new state. */
export function setVariables(state: InstanceState, variables: Record<string, unknown>): InstanceState {
  const next = clone(state);
  Object.assign(next.execs[next.rootId]!.vars!, variables);
  return next;
}

/** Process-level variables. */
export function variablesOf(state: InstanceState): Record<string, unknown> {
  return { ...(state.execs[state.rootId]?.vars ?? {}) };
}

/** Ids of the activities, events and gateways that hold a token, in the order they were reached. */
export function activeActivities(state: InstanceState): string[] {
  return Object.values(state.execs)
    .filter((e) => e.kind !== 'process' && e.kind !== 'miBody')
    .map((e) => e.elementId);
}

/** Open user tasks. */
export function openTasks(state: InstanceState): TaskInfo[] {
  return Object.values(state.waits).flatMap((w) => (w.task ? [w.task] : []));
}

/** Four-eyes check on a created task; the server still checks assignment and roles. */
export function canComplete(task: Pick<TaskInfo, 'excludeUsers'>, userId: string): boolean {
  return !task.excludeUsers.includes(userId);
}
