/**
 * The token interpreter. One `Run` applies one start/event/retry to a private copy of the state and
 * collects effects and trace. Work is an explicit FIFO queue (no recursion through the graph), so the
 * order of effects is deterministic and a long chain of automatic steps cannot overflow the stack.
 */
import { compileFeel } from '@crm/feel';
import { cycle, dueFrom, normalizeDate, addDuration } from './durations.js';
import { evaluateDecision, type DecisionModel } from './dmn.js';
import { WorkflowEventError } from './errors.js';
import type { ElementDef, ProcessModel } from './model.js';
import { canReach } from './reachability.js';
import { completerVariable } from './declared.js';
import type { Effect, Execution, InstanceState, StepResult, TaskInfo, TraceEntry, Wait } from './state.js';

export interface RunOptions {
  now: string;
  /** Business-rule tasks: the decision model holding `decisionRef` (undefined → incident). */
  resolveDecision?: (decisionRef: string) => DecisionModel | undefined;
  /**
   * Call activities: whether a process key is deployed. When given and false, the call activity
   * becomes an incident ("not deployed") instead of a startCall effect; a retry asks again.
   */
  isDeployed?: (processKey: string) => boolean;
}

/** What triggered a catch event / boundary event / event-subprocess start. */
interface Trigger {
  variables?: Record<string, unknown>;
}

type Op =
  | { k: 'enter'; elementId: string; parentId: string; flow?: string; trigger?: Trigger; miIndex?: number }
  | { k: 'scope'; execId: string };

/** An expected failure of a step that becomes an incident on the element. */
class StepFailure extends Error {}

const ACTIVITY_TYPES = new Set(['userTask', 'serviceTask', 'scriptTask', 'businessRuleTask', 'sendTask', 'receiveTask', 'manualTask', 'task', 'subProcess', 'callActivity']);

export class Run {
  readonly effects: Effect[] = [];
  readonly trace: TraceEntry[] = [];
  private readonly queue: Op[] = [];
  readonly now: string;

  constructor(
    readonly model: ProcessModel,
    readonly state: InstanceState,
    readonly opts: RunOptions,
  ) {
    this.now = normalizeDate(opts.now);
  }

  result(): StepResult {
    const s = this.state;
    if (s.status === 'active' || s.status === 'incident') s.status = Object.keys(s.incidents).length ? 'incident' : 'active';
    return { state: s, effects: this.effects, trace: this.trace };
  }

  // ---------------------------------------------------------------- ids, trace, variables

  newId(): string {
    return `${this.state.instanceId}:${++this.state.seq}`;
  }

  private el(id: string): ElementDef {
    const e = this.model.elements[id];
    if (!e) throw new Error(`element ${id} is not in model ${this.model.id}`);
    return e;
  }

  private record(exec: Execution, event: TraceEntry['event'], by?: string): void {
    if (exec.kind === 'process' || exec.kind === 'miBody') return;
    const el = this.el(exec.elementId);
    this.trace.push({ activityId: el.id, type: el.type, event, ...(by ? { by } : {}), at: this.now, elementInstanceId: exec.id });
  }

  /** All variables visible from an execution, inner scopes shadowing outer ones. */
  context(execId: string, extra?: Record<string, unknown>): Record<string, unknown> {
    const chain: Record<string, unknown>[] = [];
    for (let e: Execution | undefined = this.state.execs[execId]; e; e = e.parent ? this.state.execs[e.parent] : undefined) {
      if (e.vars) chain.push(e.vars);
    }
    const ctx: Record<string, unknown> = {};
    for (let i = chain.length - 1; i >= 0; i--) Object.assign(ctx, chain[i]);
    return extra ? Object.assign(ctx, extra) : ctx;
  }

  /** Sets a variable where it already lives (nearest scope outward), else on the process (Camunda 7 semantics). */
  setVariable(execId: string, name: string, value: unknown): void {
    for (let e: Execution | undefined = this.state.execs[execId]; e; e = e.parent ? this.state.execs[e.parent] : undefined) {
      if (e.vars && Object.prototype.hasOwnProperty.call(e.vars, name)) {
        e.vars[name] = value;
        return;
      }
      // Inside a multi-instance with an output element, new variables stay in their instance:
      // the author declared how results leave it, and parallel instances must not overwrite each other.
      if (e.miIndex !== undefined && this.model.elements[e.elementId]?.multiInstance?.outputElement) {
        (e.vars ??= {})[name] = value;
        return;
      }
    }
    this.state.execs[this.state.rootId]!.vars![name] = value;
  }

  private setVariables(execId: string, vars: Record<string, unknown> | undefined): void {
    if (vars) for (const [k, v] of Object.entries(vars)) this.setVariable(execId, k, v);
  }

  private feel(expr: string, ctx: Record<string, unknown>, what: string): unknown {
    try {
      return compileFeel(expr).evaluate(ctx);
    } catch (err) {
      throw new StepFailure(`${what}: ${(err as Error).message}`);
    }
  }

  /** Attributes that are FEEL when they start with "=", literals otherwise. */
  private valueOf(text: string | undefined, ctx: Record<string, unknown>, what: string): unknown {
    if (text === undefined) return undefined;
    return text.trim().startsWith('=') ? this.feel(text, ctx, what) : text;
  }

  private listOf(text: string | undefined, ctx: Record<string, unknown>, what: string): string[] {
    const v = this.valueOf(text, ctx, what);
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v.map(String);
    if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
    throw new StepFailure(`${what} must be a list or a comma separated string, got ${JSON.stringify(v)}`);
  }

  // ---------------------------------------------------------------- queue

  enqueue(op: Op): void {
    this.queue.push(op);
  }

  /** Runs queued work; when it runs dry, fires inclusive joins that no token can reach any more. */
  drain(): void {
    for (;;) {
      while (this.queue.length) {
        const op = this.queue.shift()!;
        if (op.k === 'enter') this.enter(op);
        else this.checkScope(op.execId);
      }
      if (!this.fireInclusiveJoin()) return;
    }
  }

  private children(execId: string): Execution[] {
    return Object.values(this.state.execs).filter((e) => e.parent === execId);
  }

  // ---------------------------------------------------------------- starting scopes

  /** Opens the event-subprocess subscriptions of a scope and starts it at `startId`. */
  private startScope(scopeExec: Execution, startId: string, trigger?: Trigger): void {
    const scopeDef = this.model.scopes[scopeExec.elementId]!;
    for (const espId of scopeDef.eventSubProcesses) this.subscribe(scopeExec, this.el(this.model.scopes[espId]!.startEvents[0]!), 'eventSubProcess');
    this.enqueue({ k: 'enter', elementId: startId, parentId: scopeExec.id, ...(trigger ? { trigger } : {}) });
  }

  // ---------------------------------------------------------------- entering elements

  private enter(op: Extract<Op, { k: 'enter' }>): void {
    const parent = this.state.execs[op.parentId];
    if (!parent) return; // the scope was cancelled while this token was queued
    const el = this.el(op.elementId);
    if (el.multiInstance && op.miIndex === undefined) {
      const body: Execution = { id: this.newId(), elementId: el.id, parent: parent.id, kind: 'miBody', startedAt: this.now, vars: {} };
      this.state.execs[body.id] = body;
      this.activate(body);
      return;
    }
    if ((el.type === 'parallelGateway' || el.type === 'inclusiveGateway') && el.incoming.length > 1) {
      this.arriveAtJoin(el, parent, op.flow);
      return;
    }
    const kind = el.type === 'subProcess' ? 'scope' : 'activity';
    const exec: Execution = { id: this.newId(), elementId: el.id, parent: parent.id, kind, startedAt: this.now };
    if (op.miIndex !== undefined) {
      const body = parent;
      exec.miIndex = op.miIndex;
      exec.vars = { loopCounter: op.miIndex };
      if (el.multiInstance?.elementVariable) exec.vars[el.multiInstance.elementVariable] = body.mi!.items[op.miIndex] ?? null;
    }
    if (kind === 'scope') exec.vars ??= {};
    this.state.execs[exec.id] = exec;
    this.record(exec, 'start');
    this.activate(exec, op.trigger);
  }

  /**
   * Arms boundary events, evaluates input mappings and runs the element. Any failure leaves the
   * token here as an incident; retryIncident closes what was opened and calls this again.
   */
  activate(exec: Execution, trigger?: Trigger): void {
    this.guard(exec, () => {
      if (exec.kind === 'process') return this.execute(exec, trigger);
      const el = this.el(exec.elementId);
      if (exec.kind === 'miBody' || (exec.miIndex === undefined && ACTIVITY_TYPES.has(el.type))) this.attachBoundaries(exec);
      if (exec.kind !== 'miBody' && el.inputs?.length) {
        const ctx = this.context(exec.id);
        const local: Record<string, unknown> = {};
        for (const m of el.inputs) local[m.target] = this.feel(m.source, ctx, `input ${m.target}`);
        exec.vars = { ...(exec.vars ?? {}), ...local };
      }
      this.execute(exec, trigger);
    });
  }

  /** Runs `fn`; an expected failure becomes an incident on the execution. */
  private guard(exec: Execution, fn: () => void, phase: 'execute' | 'complete' = 'execute', result?: Record<string, unknown>): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      if (!(err instanceof StepFailure)) throw err;
      this.raiseIncident(exec, err.message, phase, result);
      return false;
    }
  }

  raiseIncident(exec: Execution, message: string, phase: 'execute' | 'complete', result?: Record<string, unknown>): void {
    const id = this.newId();
    this.state.incidents[id] = { id, execId: exec.id, activityId: exec.elementId, message, phase, ...(result ? { result } : {}), createdAt: this.now };
    exec.incidentId = id;
    this.effects.push({ type: 'incident', incidentId: id, activityId: exec.elementId, message });
    this.trace.push({ activityId: exec.elementId, type: this.model.elements[exec.elementId]?.type ?? 'process', event: 'incident', at: this.now, elementInstanceId: exec.id });
  }

  /** The behaviour of an element; re-run as is by retryIncident. */
  private execute(exec: Execution, trigger?: Trigger): void {
    if (exec.kind === 'miBody') return this.startMultiInstance(exec, this.el(exec.elementId));
    if (exec.kind === 'process') return this.startScope(exec, exec.startId!, trigger);
    const el = this.el(exec.elementId);
    switch (el.type) {
      case 'startEvent':
      case 'boundaryEvent':
        this.setVariables(exec.id, trigger?.variables);
        return this.complete(exec);
      case 'task':
      case 'manualTask':
        return this.complete(exec);
      case 'intermediateCatchEvent':
      case 'receiveTask':
        if (trigger) {
          this.setVariables(exec.id, trigger.variables);
          return this.complete(exec);
        }
        return this.subscribe(exec, el, 'activity');
      case 'intermediateThrowEvent':
      case 'endEvent':
        return this.throwEvent(exec, el);
      case 'userTask':
        return this.createTask(exec, el);
      case 'serviceTask':
        return this.runService(exec, el);
      case 'sendTask':
        if (el.serviceType) return this.runService(exec, el);
        this.sendMessage(exec, el.messageName!, el.correlationKey);
        return this.complete(exec);
      case 'scriptTask': {
        const value = this.feel(el.script!, this.context(exec.id), 'script');
        return this.complete(exec, el.resultVariable ? { [el.resultVariable]: value } : undefined);
      }
      case 'businessRuleTask':
        return this.evaluateRule(exec, el);
      case 'exclusiveGateway':
      case 'inclusiveGateway':
      case 'parallelGateway':
        return this.complete(exec);
      case 'eventBasedGateway':
        for (const fid of el.outgoing) this.subscribe(exec, this.el(this.model.flows[fid]!.target), 'eventGateway');
        return;
      case 'subProcess': {
        const start = this.model.scopes[el.id]!.startEvents[0]!;
        return this.startScope(exec, start);
      }
      case 'callActivity': {
        if (this.opts.isDeployed && !this.opts.isDeployed(el.calledElement!)) throw new StepFailure(`called process ${el.calledElement} is not deployed`);
        const callId = this.newId();
        this.state.waits[callId] = { id: callId, kind: 'call', execId: exec.id, elementId: el.id, role: 'activity' };
        this.effects.push({ type: 'startCall', callId, activityId: el.id, processKey: el.calledElement!, variables: this.payload(exec, el) });
        return;
      }
      default:
        // A model built by something other than parseBpmn (or a newer version) may hold types we cannot run.
        throw new StepFailure(`element type ${(el as { type: string }).type} is not supported`);
    }
  }

  /** Input of a job / call / message: the input mappings when there are some, else every visible variable. */
  private payload(exec: Execution, el: ElementDef): Record<string, unknown> {
    if (el.inputs?.length) {
      const out: Record<string, unknown> = {};
      for (const m of el.inputs) out[m.target] = exec.vars?.[m.target] ?? null;
      return out;
    }
    return this.context(exec.id);
  }

  private createTask(exec: Execution, el: ElementDef): void {
    const ctx = this.context(exec.id);
    const assignee = this.valueOf(el.assignee, ctx, 'crm:assignee');
    const dueValue = el.dueDate ? this.feel(el.dueDate, ctx, 'crm:dueDate') : undefined;
    let dueAt: string | undefined;
    if (dueValue !== undefined && dueValue !== null) {
      if (typeof dueValue !== 'string') throw new StepFailure(`crm:dueDate must be a duration or date-time, got ${JSON.stringify(dueValue)}`);
      dueAt = this.time(() => dueFrom(dueValue, this.now), 'crm:dueDate');
    }
    const excludeValue = el.excludeUsers ? this.feel(el.excludeUsers, ctx, 'crm:excludeUsers') : [];
    if (excludeValue !== null && !Array.isArray(excludeValue) && typeof excludeValue !== 'string') {
      throw new StepFailure(`crm:excludeUsers must be a list, got ${JSON.stringify(excludeValue)}`);
    }
    const excludeUsers = (excludeValue === null ? [] : Array.isArray(excludeValue) ? excludeValue : [excludeValue]).filter((u) => u !== null).map(String);
    const task: TaskInfo = {
      taskId: this.newId(),
      activityId: el.id,
      ...(el.name ? { name: el.name } : {}),
      ...(assignee !== undefined && assignee !== null ? { assignee: String(assignee) } : {}),
      candidateGroups: this.listOf(el.candidateGroups, ctx, 'crm:candidateGroups'),
      candidateOrgUnits: this.listOf(el.candidateOrgUnits, ctx, 'crm:candidateOrgUnits'),
      excludeUsers,
      ...(el.formKey ? { formKey: el.formKey } : {}),
      ...(dueAt ? { dueAt } : {}),
    };
    this.state.waits[task.taskId] = { id: task.taskId, kind: 'task', execId: exec.id, elementId: el.id, role: 'activity', task };
    this.effects.push({ type: 'createTask', ...task });
  }

  private runService(exec: Execution, el: ElementDef): void {
    const jobId = this.newId();
    this.state.waits[jobId] = { id: jobId, kind: 'job', execId: exec.id, elementId: el.id, role: 'activity' };
    this.effects.push({ type: 'runService', jobId, activityId: el.id, serviceType: el.serviceType!, input: this.payload(exec, el), ...(el.runAs ? { runAs: el.runAs } : {}) });
  }

  private evaluateRule(exec: Execution, el: ElementDef): void {
    const model = this.opts.resolveDecision?.(el.decisionRef!);
    if (!model) throw new StepFailure(`decision ${el.decisionRef} is not deployed`);
    let value: unknown;
    try {
      value = evaluateDecision(model, model.decisions[el.decisionRef!] ? el.decisionRef : undefined, this.context(exec.id));
    } catch (err) {
      throw new StepFailure(`decision ${el.decisionRef}: ${(err as Error).message}`);
    }
    this.complete(exec, { [el.resultVariable ?? el.decisionRef!]: value });
  }

  private sendMessage(exec: Execution, name: string, correlationKeyExpr: string | undefined): void {
    const el = this.el(exec.elementId);
    const ctx = this.context(exec.id);
    const key = correlationKeyExpr ? this.feel(correlationKeyExpr, ctx, 'crm:correlationKey') : undefined;
    this.effects.push({ type: 'sendMessage', name, ...(key !== undefined && key !== null ? { correlationKey: String(key) } : {}), variables: this.payload(exec, el) });
  }

  private throwEvent(exec: Execution, el: ElementDef): void {
    const ev = el.event!;
    switch (ev.kind) {
      case 'message':
        this.sendMessage(exec, ev.messageName!, ev.correlationKey);
        return this.complete(exec);
      case 'signal':
        this.effects.push({ type: 'throwSignal', name: ev.signalName!, variables: this.payload(exec, el) });
        return this.complete(exec);
      case 'escalation':
        this.propagate(exec, 'escalation', ev.code!);
        if (this.state.execs[exec.id]) this.complete(exec);
        return;
      case 'error':
        if (!this.propagate(exec, 'error', ev.code!)) throw new StepFailure(`unhandled BPMN error "${ev.code}"`);
        return;
      case 'terminate':
        return this.terminate(exec);
      default:
        return this.complete(exec);
    }
  }

  // ---------------------------------------------------------------- waits

  private time<T>(fn: () => T, what: string): T {
    try {
      return fn();
    } catch (err) {
      throw new StepFailure(`${what}: ${(err as Error).message}`);
    }
  }

  /** Opens the timer/message/signal wait of a catch event (or boundary / event-subprocess start) for `exec`. */
  private subscribe(exec: Execution, eventEl: ElementDef, role: Wait['role']): void {
    const ev = eventEl.type === 'receiveTask' ? { kind: 'message' as const, messageName: eventEl.messageName, correlationKey: eventEl.correlationKey } : eventEl.event;
    if (!ev) return;
    const ctx = this.context(exec.id);
    if (ev.kind === 'timer') {
      const t = ev.timer!;
      const raw = this.valueOf(t.expression, ctx, 'timer');
      if (typeof raw !== 'string') throw new StepFailure(`timer of ${eventEl.id} must give an ISO 8601 text, got ${JSON.stringify(raw)}`);
      let dueAt: string;
      let repeat: Wait['repeat'];
      if (t.kind === 'cycle') {
        const c = this.time(() => cycle(raw, this.now), `timer of ${eventEl.id}`);
        dueAt = c.dueAt;
        if (c.repeat.remaining !== 0) repeat = c.repeat;
      } else if (t.kind === 'duration') dueAt = this.time(() => addDuration(this.now, raw), `timer of ${eventEl.id}`);
      else dueAt = this.time(() => normalizeDate(raw), `timer of ${eventEl.id}`);
      const id = this.newId();
      this.state.waits[id] = { id, kind: 'timer', execId: exec.id, elementId: eventEl.id, role, dueAt, ...(repeat ? { repeat } : {}) };
      this.effects.push({ type: 'scheduleTimer', timerId: id, activityId: eventEl.id, dueAt, ...(repeat ? { repeat } : {}) });
    } else if (ev.kind === 'message') {
      const key = ev.correlationKey ? this.feel(ev.correlationKey, ctx, 'crm:correlationKey') : undefined;
      const correlationKey = key !== undefined && key !== null ? String(key) : undefined;
      const id = this.newId();
      this.state.waits[id] = { id, kind: 'message', execId: exec.id, elementId: eventEl.id, role, name: ev.messageName!, ...(correlationKey !== undefined ? { correlationKey } : {}) };
      this.effects.push({ type: 'subscribeMessage', subscriptionId: id, name: ev.messageName!, ...(correlationKey !== undefined ? { correlationKey } : {}), activityId: eventEl.id });
    } else if (ev.kind === 'signal') {
      const id = this.newId();
      this.state.waits[id] = { id, kind: 'signal', execId: exec.id, elementId: eventEl.id, role, name: ev.signalName! };
      this.effects.push({ type: 'subscribeSignal', subscriptionId: id, name: ev.signalName!, activityId: eventEl.id });
    }
    // error/escalation handlers are passive: found by propagate() when something is thrown.
  }

  private attachBoundaries(exec: Execution): void {
    for (const b of this.model.boundaryByHost[exec.elementId] ?? []) this.subscribe(exec, this.el(b), 'boundary');
  }

  private closeWait(w: Wait): void {
    delete this.state.waits[w.id];
    switch (w.kind) {
      case 'task':
        return void this.effects.push({ type: 'cancelTask', taskId: w.id });
      case 'timer':
        return void this.effects.push({ type: 'cancelTimer', timerId: w.id });
      case 'message':
      case 'signal':
        return void this.effects.push({ type: 'unsubscribe', subscriptionId: w.id });
      case 'job':
        return void this.effects.push({ type: 'cancelJob', jobId: w.id });
      case 'call':
        return void this.effects.push({ type: 'cancelCall', callId: w.id });
    }
  }

  private closeWaitsOf(execId: string, filter: (w: Wait) => boolean = () => true): void {
    for (const w of Object.values(this.state.waits)) if (w.execId === execId && filter(w)) this.closeWait(w);
  }

  /** A timer, message or signal arrived for wait `w`. */
  trigger(w: Wait, variables?: Record<string, unknown>): void {
    const exec = this.state.execs[w.execId]!;
    const trig: Trigger = variables ? { variables } : {};
    const rearm = w.kind === 'timer' && w.repeat && (w.role === 'boundary' || w.role === 'eventSubProcess');
    // A fired timer's job is gone with the firing; a message or signal subscription is closed here.
    const consume = () => {
      delete this.state.waits[w.id];
      if (w.kind === 'message' || w.kind === 'signal') this.effects.push({ type: 'unsubscribe', subscriptionId: w.id });
    };
    if (w.kind === 'timer') delete this.state.waits[w.id];
    switch (w.role) {
      case 'activity':
        consume();
        this.setVariables(exec.id, variables);
        return this.complete(exec);
      case 'eventGateway': {
        consume();
        this.closeWaitsOf(exec.id, (o) => o.id !== w.id);
        const flow = this.el(exec.elementId).outgoing.find((f) => this.model.flows[f]!.target === w.elementId)!;
        // The chosen catch event completes at once with the trigger's payload.
        return this.finish(exec, [flow], trig);
      }
      case 'boundary': {
        const b = this.el(w.elementId);
        if (b.cancelActivity !== false) {
          consume();
          this.cancel(exec);
          this.enqueue({ k: 'enter', elementId: b.id, parentId: exec.parent!, trigger: trig });
          this.enqueue({ k: 'scope', execId: exec.parent! });
        } else {
          if (rearm) this.rearm(w);
          this.enqueue({ k: 'enter', elementId: b.id, parentId: exec.parent!, trigger: trig });
        }
        return;
      }
      case 'eventSubProcess': {
        const start = this.el(w.elementId);
        if (start.interrupting !== false) {
          consume();
          this.interruptScope(exec);
        } else if (rearm) this.rearm(w);
        return this.startEventSubProcess(exec, start.scope, trig);
      }
    }
  }

  /** Schedules the next firing of a repeating timer: from its previous due time, so firing late does not drift. */
  private rearm(w: Wait): void {
    const r = w.repeat!;
    const next: Wait = { ...w, dueAt: addDuration(w.dueAt!, r.interval) };
    if (r.remaining === null) next.repeat = r;
    else if (r.remaining > 1) next.repeat = { remaining: r.remaining - 1, interval: r.interval };
    else delete next.repeat;
    this.state.waits[w.id] = next;
    this.effects.push({ type: 'scheduleTimer', timerId: w.id, activityId: w.elementId, dueAt: next.dueAt!, ...(next.repeat ? { repeat: next.repeat } : {}) });
  }

  private startEventSubProcess(scopeExec: Execution, espId: string, trig: Trigger): void {
    const esp: Execution = { id: this.newId(), elementId: espId, parent: scopeExec.id, kind: 'scope', startedAt: this.now, vars: {} };
    this.state.execs[esp.id] = esp;
    this.record(esp, 'start');
    this.startScope(esp, this.model.scopes[espId]!.startEvents[0]!, trig);
  }

  /** An interrupting event subprocess: everything running in the scope stops, as do its other event subprocesses. */
  private interruptScope(scopeExec: Execution): void {
    for (const c of this.children(scopeExec.id)) this.cancel(c);
    this.closeWaitsOf(scopeExec.id, (w) => w.role === 'eventSubProcess');
  }

  // ---------------------------------------------------------------- errors and escalations

  /**
   * Finds the innermost handler of an error/escalation thrown at `from`: a scope's own event subprocess
   * first, then the boundary events of the enclosing activities. Returns false when nobody catches it.
   */
  propagate(from: Execution, kind: 'error' | 'escalation', code: string): boolean {
    for (let cur: Execution | undefined = from; cur; cur = cur.parent ? this.state.execs[cur.parent] : undefined) {
      if (cur.kind === 'scope' || cur.kind === 'process') {
        const espId = this.pickHandler(this.model.scopes[cur.elementId]!.eventSubProcesses.map((s) => this.model.scopes[s]!.startEvents[0]!), kind, code);
        if (espId) {
          const start = this.el(espId);
          if (start.interrupting !== false || kind === 'error') this.interruptScope(cur);
          this.startEventSubProcess(cur, start.scope, {});
          return true;
        }
      }
      if (cur.miIndex === undefined && cur.kind !== 'process') {
        const b = this.pickHandler(this.model.boundaryByHost[cur.elementId] ?? [], kind, code);
        if (b) {
          const bEl = this.el(b);
          const parentId = cur.parent!;
          if (bEl.cancelActivity !== false || kind === 'error') {
            this.cancel(cur);
            this.enqueue({ k: 'enter', elementId: b, parentId, trigger: {} });
            this.enqueue({ k: 'scope', execId: parentId });
          } else this.enqueue({ k: 'enter', elementId: b, parentId, trigger: {} });
          return true;
        }
      }
    }
    return false;
  }

  /** An exact code match wins over a catch-all handler. */
  private pickHandler(ids: string[], kind: 'error' | 'escalation', code: string): string | undefined {
    const candidates = ids.filter((id) => this.el(id).event?.kind === kind);
    return candidates.find((id) => this.el(id).event!.code === code) ?? candidates.find((id) => this.el(id).event!.code === undefined);
  }

  // ---------------------------------------------------------------- completing and leaving

  /**
   * An activity or event is done: apply its result and output mappings, choose outgoing flows,
   * then leave. A failure keeps the token here as an incident.
   */
  complete(exec: Execution, result?: Record<string, unknown>): void {
    const el = this.el(exec.elementId);
    const miOut = exec.miIndex !== undefined && el.multiInstance?.outputElement;
    if (result) {
      // With output mappings (or a multi-instance output element) the result is local input to them.
      if (el.outputs?.length || miOut) exec.vars = { ...(exec.vars ?? {}), ...result };
      else this.setVariables(exec.id, result);
    }
    let flows: string[] = [];
    const ok = this.guard(
      exec,
      () => {
        if (el.outputs?.length) {
          const ctx = this.context(exec.id);
          const values = el.outputs.map((m) => [m.target, this.feel(m.source, ctx, `output ${m.target}`)] as const);
          for (const [k, v] of values) this.setVariable(exec.parent!, k, v);
        }
        if (exec.miIndex === undefined) flows = this.chooseFlows(exec, el);
      },
      'complete',
      result,
    );
    if (!ok) return;
    if (exec.miIndex !== undefined) return this.innerInstanceDone(exec, el);
    this.finish(exec, flows);
  }

  /** Ends the execution and sends tokens down `flows` (none: the token is consumed). */
  private finish(exec: Execution, flows: string[], trigger?: Trigger): void {
    this.record(exec, 'end', exec.vars?.completedBy as string | undefined);
    this.closeWaitsOf(exec.id);
    delete this.state.execs[exec.id];
    for (const f of flows) this.enqueue({ k: 'enter', elementId: this.model.flows[f]!.target, parentId: exec.parent!, flow: f, ...(trigger ? { trigger } : {}) });
    this.enqueue({ k: 'scope', execId: exec.parent! });
  }

  private chooseFlows(exec: Execution, el: ElementDef): string[] {
    const out = el.outgoing;
    if (el.type === 'parallelGateway' || el.type === 'eventBasedGateway') return out;
    const conditional = out.filter((f) => f !== el.defaultFlow);
    if (el.type !== 'exclusiveGateway' && el.type !== 'inclusiveGateway' && !conditional.some((f) => this.model.flows[f]!.condition)) return out;
    const ctx = this.context(exec.id);
    const taken: string[] = [];
    for (const f of conditional) {
      const cond = this.model.flows[f]!.condition;
      if (cond === undefined || this.feel(cond, ctx, `condition of ${f}`) === true) {
        taken.push(f);
        if (el.type === 'exclusiveGateway') break;
      }
    }
    if (taken.length === 0 && el.defaultFlow) taken.push(el.defaultFlow);
    if (taken.length === 0 && out.length > 0) {
      throw new StepFailure(`no outgoing sequence flow of ${el.id} has a true condition and there is no default flow`);
    }
    return taken;
  }

  // ---------------------------------------------------------------- joins

  private arriveAtJoin(el: ElementDef, parent: Execution, flow: string | undefined): void {
    let join = Object.values(this.state.execs).find((e) => e.parent === parent.id && e.elementId === el.id && e.arrived);
    if (!join) {
      join = { id: this.newId(), elementId: el.id, parent: parent.id, kind: 'activity', startedAt: this.now, arrived: [] };
      this.state.execs[join.id] = join;
      this.record(join, 'start');
    }
    join.arrived!.push(flow ?? '');
    if (el.type === 'parallelGateway' && el.incoming.every((f) => join!.arrived!.includes(f))) this.fireJoin(join, el);
    // Inclusive joins fire from drain(), once no other token can still arrive.
  }

  private fireJoin(join: Execution, el: ElementDef): void {
    const leftover = [...join.arrived!];
    if (el.type === 'parallelGateway') for (const f of el.incoming) leftover.splice(leftover.indexOf(f), 1);
    else leftover.length = 0;
    delete join.arrived;
    this.guard(join, () => this.complete(join));
    // Tokens beyond one per flow (a loop came round again) wait for the next activation.
    for (const f of leftover) this.enqueue({ k: 'enter', elementId: el.id, parentId: join.parent!, flow: f });
  }

  private fireInclusiveJoin(): boolean {
    for (const join of Object.values(this.state.execs)) {
      if (!join.arrived) continue;
      const el = this.el(join.elementId);
      if (el.type !== 'inclusiveGateway') continue;
      const blocked = Object.values(this.state.execs).some((o) => o.parent === join.parent && o.id !== join.id && canReach(this.model, o.elementId, el.id));
      if (!blocked) {
        this.fireJoin(join, el);
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- multi-instance

  private startMultiInstance(body: Execution, el: ElementDef): void {
    const mi = el.multiInstance!;
    const ctx = this.context(body.id);
    let items: unknown[];
    if (mi.collection) {
      const v = this.feel(mi.collection, ctx, 'crm:collection');
      if (!Array.isArray(v)) throw new StepFailure(`crm:collection of ${el.id} must be a list, got ${JSON.stringify(v)}`);
      items = v;
    } else {
      const n = this.feel(mi.loopCardinality!, ctx, 'loopCardinality');
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new StepFailure(`loopCardinality of ${el.id} must be a non-negative integer, got ${JSON.stringify(n)}`);
      items = Array.from({ length: n }, () => null);
    }
    const active = mi.sequential ? Math.min(1, items.length) : items.length;
    body.mi = { items, next: active, outputs: items.map(() => null) };
    body.vars = { nrOfInstances: items.length, nrOfCompletedInstances: 0, nrOfActiveInstances: active };
    if (mi.outputCollection) body.vars[mi.outputCollection] = [...body.mi.outputs];
    if (items.length === 0) return this.finishMultiInstance(body, el);
    for (let i = 0; i < active; i++) this.enqueue({ k: 'enter', elementId: el.id, parentId: body.id, miIndex: i });
  }

  private innerInstanceDone(inner: Execution, el: ElementDef): void {
    const body = this.state.execs[inner.parent!]!;
    const mi = el.multiInstance!;
    const bv = body.vars!;
    bv.nrOfCompletedInstances = (bv.nrOfCompletedInstances as number) + 1;
    bv.nrOfActiveInstances = (bv.nrOfActiveInstances as number) - 1;
    let done = false;
    const ok = this.guard(inner, () => {
      const ctx = this.context(inner.id);
      if (mi.outputElement) {
        body.mi!.outputs[inner.miIndex!] = this.feel(mi.outputElement, ctx, 'crm:outputElement');
        // Readable while the instances run (e.g. by the completion condition), as in Camunda 8.
        if (mi.outputCollection) bv[mi.outputCollection] = [...body.mi!.outputs];
      }
      if (mi.completionCondition) done = this.feel(mi.completionCondition, this.context(inner.id), 'completionCondition') === true;
    }, 'complete');
    if (!ok) {
      bv.nrOfCompletedInstances = (bv.nrOfCompletedInstances as number) - 1;
      bv.nrOfActiveInstances = (bv.nrOfActiveInstances as number) + 1;
      return;
    }
    this.record(inner, 'end', inner.vars?.completedBy as string | undefined);
    this.closeWaitsOf(inner.id);
    delete this.state.execs[inner.id];
    if (done) {
      for (const c of this.children(body.id)) this.cancel(c);
      bv.nrOfActiveInstances = 0;
      return this.finishMultiInstance(body, el);
    }
    if (mi.sequential && body.mi!.next < body.mi!.items.length) {
      bv.nrOfActiveInstances = 1;
      this.enqueue({ k: 'enter', elementId: el.id, parentId: body.id, miIndex: body.mi!.next++ });
      return;
    }
    if ((bv.nrOfActiveInstances as number) === 0) this.finishMultiInstance(body, el);
  }

  private finishMultiInstance(body: Execution, el: ElementDef): void {
    const mi = el.multiInstance!;
    if (mi.outputCollection) this.setVariable(body.parent!, mi.outputCollection, body.mi!.outputs);
    const ok = this.guard(body, () => {
      const flows = this.chooseFlows(body, el);
      this.finish(body, flows);
    }, 'complete');
    void ok;
  }

  // ---------------------------------------------------------------- scopes ending

  /** A scope whose last token is gone (and none is queued for it) completes. */
  private checkScope(execId: string): void {
    const scope = this.state.execs[execId];
    if (!scope || scope.kind === 'miBody' || scope.kind === 'activity') return;
    if (this.children(execId).length) return;
    if (this.queue.some((op) => op.k === 'enter' && op.parentId === execId)) return;
    this.closeWaitsOf(execId);
    if (scope.kind === 'process') return this.endProcess('completed');
    const el = this.el(scope.elementId);
    if (el.triggeredByEvent) {
      this.finish(scope, []);
      return;
    }
    this.guard(scope, () => this.complete(scope), 'complete');
  }

  private endProcess(status: 'completed' | 'terminated'): void {
    const root = this.state.execs[this.state.rootId]!;
    for (const c of this.children(root.id)) this.cancel(c);
    this.closeWaitsOf(root.id);
    this.state.status = status;
    this.state.execs = { [root.id]: root };
    this.queue.length = 0; // nothing may run after the end
    this.effects.push({ type: status });
  }

  /** A terminate end event ends its own scope at once: the process, or the subprocess it is in (which then completes normally). */
  private terminate(exec: Execution): void {
    const scope = this.state.execs[exec.parent!]!;
    this.finish(exec, []);
    this.queue.pop(); // the scope check queued by finish: handled below
    for (const c of this.children(scope.id)) this.cancel(c);
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const op = this.queue[i]!;
      if (op.k === 'enter' && op.parentId === scope.id) this.queue.splice(i, 1);
    }
    if (scope.kind === 'process') return this.endProcess('terminated');
    this.checkScope(scope.id);
  }

  /** Cancels an execution and everything inside it. */
  cancel(exec: Execution): void {
    for (const c of this.children(exec.id)) this.cancel(c);
    this.closeWaitsOf(exec.id);
    if (exec.incidentId) {
      delete this.state.incidents[exec.incidentId];
      this.effects.push({ type: 'incidentResolved', incidentId: exec.incidentId });
    }
    this.record(exec, 'cancel');
    delete this.state.execs[exec.id];
  }

  cancelInstance(): void {
    this.endProcess('terminated');
  }

  // ---------------------------------------------------------------- events from outside

  waitOf(id: string, kind: Wait['kind'], what: string): Wait {
    const w = this.state.waits[id];
    if (!w || w.kind !== kind) throw new WorkflowEventError('NOT_FOUND', `${what} ${id} is not open in instance ${this.state.instanceId}`);
    return w;
  }

  completeTask(taskId: string, by: string, variables?: Record<string, unknown>): void {
    const w = this.waitOf(taskId, 'task', 'task');
    if (w.task!.excludeUsers.includes(by)) throw new WorkflowEventError('EXCLUDED_USER', `user ${by} may not complete task ${taskId} (four-eyes)`);
    delete this.state.waits[taskId];
    const exec = this.state.execs[w.execId]!;
    // Local to the task: readable by its output mappings (e.g. firstApprover = completedBy), gone after.
    exec.vars = { ...(exec.vars ?? {}), completedBy: by };
    // Who completed it, for later four-eyes rules (`crm:excludeUsers="=[reviewBy]"`): set by the engine only.
    this.setVariable(exec.parent!, completerVariable(exec.elementId), by);
    this.complete(exec, variables ?? {});
  }

  serviceCompleted(jobId: string, result?: Record<string, unknown>): void {
    const w = this.waitOf(jobId, 'job', 'job');
    delete this.state.waits[jobId];
    this.complete(this.state.execs[w.execId]!, result ?? {});
  }

  serviceFailed(jobId: string, errorCode: string | undefined, message: string): void {
    const w = this.waitOf(jobId, 'job', 'job');
    delete this.state.waits[jobId];
    const exec = this.state.execs[w.execId]!;
    if (errorCode !== undefined) {
      if (!this.propagate(exec, 'error', errorCode)) this.raiseIncident(exec, `unhandled BPMN error "${errorCode}": ${message}`, 'execute');
      return;
    }
    // The server retries technical failures itself; this one ran out of retries.
    this.raiseIncident(exec, message, 'execute');
  }

  callCompleted(callId: string, variables?: Record<string, unknown>): void {
    const w = this.waitOf(callId, 'call', 'call');
    delete this.state.waits[callId];
    this.complete(this.state.execs[w.execId]!, variables ?? {});
  }

  retry(incidentId: string): void {
    const inc = this.state.incidents[incidentId];
    if (!inc) throw new WorkflowEventError('NOT_FOUND', `incident ${incidentId} is not open in instance ${this.state.instanceId}`);
    delete this.state.incidents[incidentId];
    const exec = this.state.execs[inc.execId]!;
    delete exec.incidentId;
    this.effects.push({ type: 'incidentResolved', incidentId });
    if (inc.phase === 'complete') {
      if (exec.kind === 'scope') return this.checkScope(exec.id);
      if (exec.kind === 'miBody') return this.finishMultiInstance(exec, this.el(exec.elementId));
      return this.complete(exec, inc.result);
    }
    this.closeWaitsOf(exec.id);
    this.activate(exec);
  }
}
