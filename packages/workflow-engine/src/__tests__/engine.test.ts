import { describe, it, expect } from '@jest/globals';
import {
  activeActivities,
  canComplete,
  handleEvent,
  openTasks,
  parseBpmn,
  retryIncident,
  startInstance,
  nextTimerStart,
  timerStarts,
  variablesOf,
  BpmnValidationError,
  WorkflowEventError,
  type InstanceState,
  type ProcessModel,
  type StepResult,
} from '../index.js';
import { runScript } from '../spec-script.js';

const NOW = '2026-02-01T08:00:00Z';
const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="D" targetNamespace="t">`;
const model = (body: string, extra = '') => parseBpmn(`${HEAD}${extra}<bpmn:process id="p" isExecutable="true">${body}</bpmn:process></bpmn:definitions>`);
const flows = (...pairs: string[]) => pairs.map((p) => { const [s, t] = p.split('>'); return `<bpmn:sequenceFlow id="f_${s}_${t}" sourceRef="${s}" targetRef="${t}"/>`; }).join('');
const start = (m: ProcessModel, variables: Record<string, unknown> = {}, initiator = 'alice') => startInstance(m, { instanceId: 'i1', initiator, now: NOW, variables });

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

function completeFirst(m: ProcessModel, r: StepResult, by = 'u', variables?: Record<string, unknown>): StepResult {
  const t = openTasks(r.state)[0];
  if (!t) throw new Error('no open task');
  return handleEvent(m, r.state, { type: 'completeTask', taskId: t.taskId, by, ...(variables ? { variables } : {}) }, { now: NOW });
}

async function code(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof WorkflowEventError) return err.code;
    throw err;
  }
  return 'no error';
}

const twoTasks = () => model(`<bpmn:startEvent id="s"/><bpmn:userTask id="a" crm:excludeUsers="=[initiator]"/><bpmn:userTask id="b"/><bpmn:endEvent id="e"/>${flows('s>a', 'a>b', 'b>e')}`);

describe('execution API', () => {
  it('never mutates the state it is given and returns JSON-serializable state', async () => {
    const m = await twoTasks();
    const r1 = start(m);
    const frozen = deepFreeze(JSON.parse(JSON.stringify(r1.state)) as InstanceState);
    const r2 = handleEvent(m, frozen, { type: 'completeTask', taskId: openTasks(frozen)[0]!.taskId, by: 'bob' }, { now: NOW });
    expect(activeActivities(frozen)).toEqual(['a']);
    expect(activeActivities(r2.state)).toEqual(['b']);
    expect(JSON.parse(JSON.stringify(r2.state))).toEqual(r2.state);
  });

  it('derives every id from the instance id and a counter, so a replay is identical', async () => {
    const m = await twoTasks();
    const a = completeFirst(m, start(m), 'bob');
    const b = completeFirst(m, start(m), 'bob');
    expect(a).toEqual(b);
    expect(openTasks(a.state)[0]!.taskId).toMatch(/^i1:\d+$/);
  });

  it('records the completing user in the trace and enforces four-eyes', async () => {
    const m = await twoTasks();
    const r = start(m);
    const task = openTasks(r.state)[0]!;
    expect(task.excludeUsers).toEqual(['alice']);
    expect(canComplete(task, 'alice')).toBe(false);
    expect(canComplete(task, 'bob')).toBe(true);
    expect(await code(() => completeFirst(m, r, 'alice'))).toBe('EXCLUDED_USER');
    const r2 = completeFirst(m, r, 'bob');
    expect(r2.trace.find((t) => t.activityId === 'a' && t.event === 'end')).toMatchObject({ by: 'bob', at: '2026-02-01T08:00:00.000Z', type: 'userTask' });
  });

  it('refuses events that do not fit, leaving the state alone', async () => {
    const m = await twoTasks();
    const r = start(m);
    expect(await code(() => handleEvent(m, r.state, { type: 'completeTask', taskId: 'nope', by: 'x' }, { now: NOW }))).toBe('NOT_FOUND');
    expect(await code(() => handleEvent(m, r.state, { type: 'completeTask', taskId: openTasks(r.state)[0]!.taskId, by: '' }, { now: NOW }))).toBe('INVALID_EVENT');
    expect(await code(() => handleEvent(m, r.state, { type: 'timer', timerId: openTasks(r.state)[0]!.taskId }, { now: NOW }))).toBe('NOT_FOUND');
    expect(await code(() => handleEvent(m, r.state, { type: 'bogus' } as never, { now: NOW }))).toBe('INVALID_EVENT');
    expect(await code(() => retryIncident(m, r.state, 'i1:999', { now: NOW }))).toBe('NOT_FOUND');
    expect(await code(() => handleEvent(m, r.state, { type: 'completeTask', taskId: openTasks(r.state)[0]!.taskId, by: 'x', variables: [1] as never }, { now: NOW }))).toBe('INVALID_EVENT');
    const other = await model(`<bpmn:startEvent id="s"/>`);
    expect(await code(() => handleEvent({ ...other, id: 'q' }, r.state, { type: 'cancel' }, { now: NOW }))).toBe('INVALID_EVENT');
    const done = completeFirst(m, completeFirst(m, r, 'bob'), 'bob');
    expect(done.state.status).toBe('completed');
    expect(await code(() => handleEvent(m, done.state, { type: 'cancel' }, { now: NOW }))).toBe('NOT_ACTIVE');
  });

  it('needs a valid start event', async () => {
    const m = await model(`<bpmn:startEvent id="ms"><bpmn:messageEventDefinition messageRef="m"/></bpmn:startEvent><bpmn:userTask id="t"/>${flows('ms>t')}`, '<bpmn:message id="m" name="m"/>');
    expect(await code(() => start(m))).toBe('INVALID_EVENT');
    expect(await code(() => startInstance(m, { instanceId: 'i', initiator: 'a', now: NOW, startEventId: 't' }))).toBe('INVALID_EVENT');
    expect(activeActivities(startInstance(m, { instanceId: 'i', initiator: 'a', now: NOW, startEventId: 'ms' }).state)).toEqual(['t']);
  });

  it('sets initiator and businessKey as process variables', async () => {
    const m = await twoTasks();
    const r = startInstance(m, { instanceId: 'i', initiator: 'alice', businessKey: 'LOAN-1', now: NOW, variables: { x: 1 } });
    expect(variablesOf(r.state)).toEqual({ initiator: 'alice', businessKey: 'LOAN-1', x: 1 });
    expect(r.state.businessKey).toBe('LOAN-1');
  });

  it('an interrupting timer on a multi-instance activity cancels every instance', async () => {
    const m = await model(
      `<bpmn:startEvent id="s"/><bpmn:userTask id="t"><bpmn:multiInstanceLoopCharacteristics crm:collection="=[1,2,3]"/></bpmn:userTask>
       <bpmn:boundaryEvent id="late" attachedToRef="t"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
       <bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>${flows('s>t', 't>e', 'late>e2')}`,
    );
    const r = start(m);
    expect(openTasks(r.state)).toHaveLength(3);
    const timer = r.effects.find((e) => e.type === 'scheduleTimer')!;
    expect(r.effects.filter((e) => e.type === 'scheduleTimer')).toHaveLength(1);
    const r2 = handleEvent(m, r.state, { type: 'timer', timerId: (timer as { timerId: string }).timerId }, { now: NOW });
    expect(r2.effects.filter((e) => e.type === 'cancelTask')).toHaveLength(3);
    expect(r2.state.status).toBe('completed');
  });

  it('a BPMN error inside a multi-instance is caught on the multi-instance activity', async () => {
    const m = await model(
      `<bpmn:startEvent id="s"/><bpmn:serviceTask id="t" crm:type="x"><bpmn:multiInstanceLoopCharacteristics crm:collection="=[1,2]"/></bpmn:serviceTask>
       <bpmn:boundaryEvent id="err" attachedToRef="t"><bpmn:errorEventDefinition errorRef="E"/></bpmn:boundaryEvent>
       <bpmn:endEvent id="e"/><bpmn:userTask id="fix"/>${flows('s>t', 't>e', 'err>fix')}`,
      '<bpmn:error id="E" errorCode="BAD"/>',
    );
    const r = start(m);
    const jobs = r.effects.filter((e) => e.type === 'runService') as { jobId: string }[];
    expect(jobs).toHaveLength(2);
    const r2 = handleEvent(m, r.state, { type: 'serviceFailed', jobId: jobs[1]!.jobId, errorCode: 'BAD', message: 'no' }, { now: NOW });
    expect(activeActivities(r2.state)).toEqual(['fix']);
    expect(r2.effects).toContainEqual({ type: 'cancelJob', jobId: jobs[0]!.jobId });
  });

  it('an event subprocess inside an embedded subprocess interrupts only that subprocess', async () => {
    const m = await model(
      `<bpmn:startEvent id="s"/><bpmn:userTask id="outer"/>
       <bpmn:subProcess id="sp"><bpmn:startEvent id="ss"/><bpmn:userTask id="inner"/><bpmn:endEvent id="se"/>${flows('ss>inner', 'inner>se')}
         <bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="es"><bpmn:signalEventDefinition signalRef="S"/></bpmn:startEvent><bpmn:endEvent id="ee"/>${flows('es>ee')}</bpmn:subProcess>
       </bpmn:subProcess><bpmn:parallelGateway id="fork"/><bpmn:parallelGateway id="join"/><bpmn:endEvent id="e"/>
       ${flows('s>fork', 'fork>outer', 'fork>sp', 'outer>join', 'sp>join', 'join>e')}`,
      '<bpmn:signal id="S" name="stop"/>',
    );
    const r = start(m);
    expect(activeActivities(r.state).sort()).toEqual(['inner', 'outer', 'sp']);
    const sub = r.effects.find((e) => e.type === 'subscribeSignal') as { subscriptionId: string };
    const r2 = handleEvent(m, r.state, { type: 'signal', subscriptionId: sub.subscriptionId, name: 'stop' }, { now: NOW });
    expect(activeActivities(r2.state).sort()).toEqual(['join', 'outer']);
    const r3 = completeFirst(m, r2);
    expect(r3.state.status).toBe('completed');
  });

  it('an element type it cannot run is an incident, not a silent stop', async () => {
    const m = await twoTasks();
    const broken: ProcessModel = { ...m, elements: { ...m.elements, b: { ...m.elements.b!, type: 'complexGateway' as never } } };
    const r = completeFirst(broken, start(broken), 'bob');
    expect(r.state.status).toBe('incident');
    expect(r.effects).toContainEqual(expect.objectContaining({ type: 'incident', activityId: 'b', message: 'element type complexGateway is not supported' }));
  });

  it('an uncaught escalation does not stop the process', async () => {
    const m = await model(`<bpmn:startEvent id="s"/><bpmn:intermediateThrowEvent id="x"><bpmn:escalationEventDefinition escalationRef="X"/></bpmn:intermediateThrowEvent><bpmn:endEvent id="e"/>${flows('s>x', 'x>e')}`, '<bpmn:escalation id="X" escalationCode="LATE"/>');
    const r = start(m);
    expect(r.state.status).toBe('completed');
    expect(r.effects.some((e) => e.type === 'incident')).toBe(false);
  });

  it('a non-interrupting escalation event subprocess runs beside the main path', async () => {
    const m = await model(
      `<bpmn:startEvent id="s"/><bpmn:intermediateThrowEvent id="x"><bpmn:escalationEventDefinition escalationRef="X"/></bpmn:intermediateThrowEvent><bpmn:userTask id="main"/><bpmn:endEvent id="e"/>${flows('s>x', 'x>main', 'main>e')}
       <bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="es" isInterrupting="false"><bpmn:escalationEventDefinition escalationRef="X"/></bpmn:startEvent><bpmn:userTask id="notify"/><bpmn:endEvent id="ee"/>${flows('es>notify', 'notify>ee')}</bpmn:subProcess>`,
      '<bpmn:escalation id="X" escalationCode="LATE"/>',
    );
    const r = start(m);
    expect(activeActivities(r.state).sort()).toEqual(['esp', 'main', 'notify']);
  });

  it('a timer expression that is not ISO 8601 is an incident, not a crash', async () => {
    const m = await model(`<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:timeDuration>=wait</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent><bpmn:endEvent id="e"/>${flows('s>w', 'w>e')}`);
    const r = start(m, { wait: 'two days' });
    expect(r.state.status).toBe('incident');
    expect(r.effects).toContainEqual(expect.objectContaining({ type: 'incident', activityId: 'w', message: expect.stringMatching(/not an ISO 8601 duration/) }));
    const fixed = { ...r.state, execs: { ...r.state.execs, 'i1:0': { ...r.state.execs['i1:0']!, vars: { ...r.state.execs['i1:0']!.vars, wait: 'PT5M' } } } };
    const r2 = retryIncident(m, fixed, Object.keys(r.state.incidents)[0]!, { now: NOW });
    expect(r2.effects).toContainEqual(expect.objectContaining({ type: 'scheduleTimer', activityId: 'w', dueAt: '2026-02-01T08:05:00.000Z' }));
    expect(r2.state.status).toBe('active');
  });

  it('a parallel join consumes one token per incoming flow and keeps extra ones waiting', async () => {
    // b1 and b2 both reach the join through the same flow m>join; a arrives once.
    const m = await model(
      `<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/><bpmn:userTask id="a"/><bpmn:userTask id="b1"/><bpmn:userTask id="b2"/><bpmn:exclusiveGateway id="m"/>
       <bpmn:parallelGateway id="join"/><bpmn:endEvent id="e"/>${flows('s>fork', 'fork>b1', 'fork>b2', 'fork>a', 'b1>m', 'b2>m', 'm>join', 'a>join', 'join>e')}`,
    );
    let r = start(m);
    r = completeFirst(m, r); // b1
    r = completeFirst(m, r); // b2: two tokens on m>join, none on a>join
    expect(activeActivities(r.state).sort()).toEqual(['a', 'join']);
    expect(Object.values(r.state.execs).find((e) => e.elementId === 'join')!.arrived).toEqual(['f_m_join', 'f_m_join']);
    r = completeFirst(m, r); // a: fires once, the second m-token waits for another a
    expect(r.trace.filter((t) => t.activityId === 'e')).toHaveLength(2);
    expect(activeActivities(r.state)).toEqual(['join']);
    expect(r.state.status).toBe('active');
  });
});

describe('requests of the persistence layer', () => {
  const callModel = () => model(`<bpmn:startEvent id="s"/><bpmn:callActivity id="c" crm:calledElement="child"/><bpmn:endEvent id="e"/>${flows('s>c', 'c>e')}`);

  it('raises an incident on a call to a process that is not deployed, and a retry calls it once deployed', async () => {
    const m = await callModel();
    let deployed = false;
    const r = startInstance(m, { instanceId: 'i1', initiator: 'a', now: NOW, isDeployed: (k) => k === 'child' && deployed });
    expect(r.state.status).toBe('incident');
    expect(r.effects.map((e) => e.type)).toEqual(['incident']);
    expect(r.effects[0]).toMatchObject({ activityId: 'c', message: 'called process child is not deployed' });
    expect(Object.values(r.state.waits)).toHaveLength(0);
    const incidentId = Object.keys(r.state.incidents)[0]!;
    expect(retryIncident(m, r.state, incidentId, { now: NOW, isDeployed: () => deployed }).state.status).toBe('incident');
    deployed = true;
    const r2 = retryIncident(m, r.state, incidentId, { now: NOW, isDeployed: () => deployed });
    expect(r2.state.status).toBe('active');
    expect(r2.effects.map((e) => e.type)).toEqual(['incidentResolved', 'startCall']);
    // Without the option the engine calls whatever is named, as before.
    expect(startInstance(m, { instanceId: 'i2', initiator: 'a', now: NOW }).effects.map((e) => e.type)).toEqual(['startCall']);
  });

  it('closes the subscription of a message or signal that fires its own wait', async () => {
    const m = await model(
      `<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="w"><bpmn:messageEventDefinition messageRef="M"/></bpmn:intermediateCatchEvent>
       <bpmn:userTask id="t"/><bpmn:boundaryEvent id="b" attachedToRef="t"><bpmn:signalEventDefinition signalRef="S"/></bpmn:boundaryEvent>
       <bpmn:endEvent id="e"/><bpmn:endEvent id="e2"/>${flows('s>w', 'w>t', 't>e', 'b>e2')}`,
      '<bpmn:message id="M" name="go"/><bpmn:signal id="S" name="stop"/>',
    );
    const r = start(m);
    const sub = r.effects.find((e) => e.type === 'subscribeMessage') as { subscriptionId: string };
    const r2 = handleEvent(m, r.state, { type: 'message', subscriptionId: sub.subscriptionId, name: 'go' }, { now: NOW });
    expect(r2.effects[0]).toEqual({ type: 'unsubscribe', subscriptionId: sub.subscriptionId });
    const sig = r2.effects.find((e) => e.type === 'subscribeSignal') as { subscriptionId: string };
    const r3 = handleEvent(m, r2.state, { type: 'signal', subscriptionId: sig.subscriptionId, name: 'stop' }, { now: NOW });
    expect(r3.effects.filter((e) => e.type === 'unsubscribe')).toEqual([{ type: 'unsubscribe', subscriptionId: sig.subscriptionId }]);
    expect(r3.effects.map((e) => e.type)).toContain('cancelTask');
    expect(r3.state.status).toBe('completed');
  });

  it('computes timer start firings from the deploy time, and the next firing of a cycle', async () => {
    const m = await model(
      `<bpmn:startEvent id="cyc"><bpmn:timerEventDefinition><bpmn:timeCycle>R3/PT10M</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
       <bpmn:startEvent id="dur"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>
       <bpmn:startEvent id="at"><bpmn:timerEventDefinition><bpmn:timeDate>="2026-03-01T00:00:00+08:00"</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:startEvent>
       <bpmn:endEvent id="e"/>${flows('cyc>e', 'dur>e', 'at>e')}`,
    );
    expect(timerStarts(m, NOW)).toEqual([
      { startEventId: 'cyc', dueAt: '2026-02-01T08:10:00.000Z', repeat: { remaining: 2, interval: 'PT10M' } },
      { startEventId: 'dur', dueAt: '2026-02-01T09:00:00.000Z' },
      { startEventId: 'at', dueAt: '2026-02-28T16:00:00.000Z' },
    ]);
    expect(nextTimerStart('2026-02-01T08:10:00.000Z', { remaining: 2, interval: 'PT10M' })).toEqual({ dueAt: '2026-02-01T08:20:00.000Z', repeat: { remaining: 1, interval: 'PT10M' } });
    expect(nextTimerStart('2026-02-01T08:20:00.000Z', { remaining: 1, interval: 'PT10M' })).toEqual({ dueAt: '2026-02-01T08:30:00.000Z' });
    const bad = await model(`<bpmn:startEvent id="x"><bpmn:timerEventDefinition><bpmn:timeDuration>soon</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent><bpmn:endEvent id="e"/>${flows('x>e')}`);
    expect(() => timerStarts(bad, NOW)).toThrow(BpmnValidationError);
  });
});

describe('conformance runner', () => {
  it('reports a wrong trace, a wrong end state and an unmet expectation', async () => {
    const m = await twoTasks();
    const out = runScript(m, {
      description: 'deliberately wrong',
      steps: [{ completeTask: { activityId: 'a', by: 'bob' }, expect: { activeActivities: ['a'], variables: { x: 1 } } }],
      expectedTrace: ['s:start'],
      expectedEnd: 'completed',
    });
    expect(out.failures).toHaveLength(4);
    expect(out.failures.join('\n')).toMatch(/active \["b"\]/);
    expect(out.failures.join('\n')).toMatch(/variable x/);
    expect(out.failures.join('\n')).toMatch(/trace differs/);
    expect(out.failures.join('\n')).toMatch(/ended active/);
  });

  it('reports an expected refusal that did not happen', async () => {
    const m = await twoTasks();
    const out = runScript(m, { description: 'x', initiator: 'z', steps: [{ completeTask: { activityId: 'a', by: 'bob' }, expect: { error: 'EXCLUDED_USER' } }], expectedTrace: ['s:start', 's:end', 'a:start', 'a:end', 'b:start'], expectedEnd: 'active' });
    expect(out.failures).toEqual(['step 1 (completeTask): expected error EXCLUDED_USER, but the step succeeded']);
  });
});
