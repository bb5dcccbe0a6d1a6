/**
 * Workflow through the HTTP API: deploy and versions, the loan approval with four-eyes, the inbox,
 * concurrent completion, messages, signals, timers, service tasks with retries and incidents,
 * call activities, decisions and cancel.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { createClient, type ApiError, type Incident, type ProcessInstance, type Task, type TaskScope } from '@crm/shared';
import { as, client, login, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { chain, definitions, LOAN_APPROVAL } from './workflow-bpmn.js';

type Client = ReturnType<typeof client>;

let srv: TestServer;
let analyst: Client, rm: Client, manager: Client, compliance: Client, admin: Client, auditor: Client;

/** An instance as the API shows it, with its open incidents (not yet in the contract's ProcessInstance). */
type InstanceView = ProcessInstance & { incidents: Incident[] };

async function deploy(xml: string, key?: string) {
  return analyst.api.processes.deploy({ bpmnXml: xml, ...(key ? { key } : {}) });
}

async function instance(id: string): Promise<InstanceView> {
  return (await admin.api.instances.get(id)) as InstanceView;
}

async function taskOf(c: Client, instanceId: string, activityId: string, scope: TaskScope = 'all') {
  const r = await c.api.tasks.list(scope);
  return r.items.find((t) => t.processInstanceId === instanceId && t.activityId === activityId);
}

/** 200 for an answer, else the error's status: for racing calls where one must win. */
const statusOf = (call: Promise<unknown>) => call.then(() => 200, (e: ApiError) => e.status);

beforeAll(async () => {
  srv = await startServer({ env: { CRM_JOB_POLL_MS: '100', CRM_JOB_BACKOFF_MS: '100', CRM_WORKFLOW_TEST_SERVICES: '1' } });
  [analyst, rm, manager, compliance, admin, auditor] = await Promise.all(
    ['analyst', 'rm', 'manager', 'compliance', 'admin', 'auditor'].map((u) => as(srv.baseUrl, u)),
  );
});

afterAll(async () => {
  await srv?.stop();
});

describe('deploying', () => {
  it('answers a parse error with 400 and the line', async () => {
    const r = await refused(analyst.api.processes.deploy({ bpmnXml: '<?xml version="1.0"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">\n<bpmn:process id="p">\n</bpmn:definitions>' }));
    expect(r.status).toBe(400);
    expect(r.code).toBe('workflow.bpmn_parse_error');
    expect(r.fieldErrors[0]?.line).toEqual(expect.any(Number));
  });

  it('answers an unsupported element and a missing attribute with 400 naming the element', async () => {
    const xml = chain('bad', ['<bpmn:startEvent id="s"/>', '<bpmn:complexGateway id="weird"/>', '<bpmn:serviceTask id="noType"/>', '<bpmn:endEvent id="e"/>']);
    const r = await refused(analyst.api.processes.deploy({ bpmnXml: xml }));
    expect(r.status).toBe(400);
    expect(r.code).toBe('workflow.bpmn_invalid');
    const ids = r.fieldErrors.map((d) => d.elementId);
    expect(ids).toEqual(expect.arrayContaining(['weird', 'noType']));
  });

  it('needs the designer right', async () => {
    const r = await refused(rm.api.processes.deploy({ bpmnXml: LOAN_APPROVAL }));
    expect(r.status).toBe(403);
  });

  it('makes each deploy a new version; running instances stay on theirs', async () => {
    const v1 = chain('versioned', ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="t1" crm:candidateGroups="rm"/>', '<bpmn:endEvent id="e"/>']);
    const v2 = chain('versioned', ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="t2" crm:candidateGroups="rm"/>', '<bpmn:endEvent id="e"/>']);
    expect((await deploy(v1)).version).toBe(1);
    const old = await rm.api.processes.start('versioned');
    expect(old).toMatchObject({ version: 1, state: 'active', activeActivities: ['t1'] });
    expect((await deploy(v2)).version).toBe(2);
    const fresh = await rm.api.processes.start('versioned');
    expect(fresh).toMatchObject({ version: 2, activeActivities: ['t2'] });
    const t = await taskOf(rm, old.id, 't1');
    await rm.api.tasks.complete(t!.id);
    expect(await instance(old.id)).toMatchObject({ state: 'completed', version: 1 });

    const versions = await analyst.api.processes.versions('versioned');
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    const list = await rm.api.processes.list();
    expect(list.find((d) => d.key === 'versioned')!.version).toBe(2);
  });

  it('serves the XML of the latest version', async () => {
    const r = await rm.api.processes.xml('versioned');
    expect(r).toContain('id="t2"');
    // Not to those who neither design, run nor start processes.
    const denied = await refused(auditor.api.processes.xml('versioned'));
    expect(denied.status).toBe(403);
    expect(JSON.stringify({ code: denied.code, message: denied.message, details: denied.details })).not.toContain('t2');
  });

  it('refuses to start without process.start or designer', async () => {
    const r = await refused(auditor.api.processes.start('versioned'));
    expect(r.status).toBe(403);
    expect((await refused(rm.api.processes.start('nope'))).status).toBe(404);
  });
});

describe('loan approval with four-eyes', () => {
  beforeAll(async () => {
    await deploy(LOAN_APPROVAL);
  });

  it('sends a loan over 1,000,000 to a second approver who may not be the first', async () => {
    const started = await rm.api.processes.start('loanApprovalDemo', { variables: { amount: 2_000_000, customer: '张三' }, businessKey: 'LN-1' });
    expect(started).toMatchObject({ state: 'active', activeActivities: ['review'], businessKey: 'LN-1' });
    expect(started.variables).toMatchObject({ amount: 2000000, initiator: 'rm' });
    const id = started.id;

    // rm is no candidate: nothing in its inbox, and completing is refused.
    expect(await taskOf(rm, id, 'review')).toBeUndefined();
    const review = await taskOf(manager, id, 'review', 'candidate');
    expect(review).toMatchObject({ name: '初审', candidateGroups: ['manager', 'compliance'], assignee: null });
    expect((await refused(rm.api.tasks.complete(review!.id))).status).toBe(403);

    const detail = await manager.api.tasks.get(review!.id);
    expect(detail).toMatchObject({ id: review!.id, formKey: null, variables: { amount: 2000000, customer: '张三' } });

    await manager.api.tasks.complete(review!.id, { variables: { decision: 'approve' } });
    expect((await refused(manager.api.tasks.complete(review!.id))).status).toBe(409);

    // The second approval: manager (the first approver) neither sees it nor may complete it.
    expect(await taskOf(manager, id, 'second', 'candidate')).toBeUndefined();
    const second = await taskOf(compliance, id, 'second', 'candidate');
    expect(second).toBeDefined();
    const managerToken = await login(srv.baseUrl, 'manager');
    const inEnglish = createClient({ baseUrl: srv.baseUrl, getToken: () => managerToken, getLanguage: () => 'en' });
    const fourEyes = await refused(inEnglish.tasks.complete(second!.id));
    expect(fourEyes.status).toBe(403);
    expect(fourEyes.code).toBe('workflow.four_eyes');
    expect((await refused(manager.api.tasks.claim(second!.id))).status).toBe(403);

    await compliance.api.tasks.complete(second!.id, { variables: { finalDecision: 'approve' } });
    const done = await instance(id);
    expect(done).toMatchObject({ state: 'completed', activeActivities: [], variables: { firstApprover: 'manager', finalDecision: 'approve' } });
    const steps = done.history.map((h) => [h.activityId, h.by ?? null]);
    expect(steps).toEqual([['start', null], ['review', 'manager'], ['big', null], ['second', 'compliance'], ['merge', null], ['done', null]]);
    for (const h of done.history) expect(h.endedAt).toEqual(expect.any(String));

    // The initiator may read the instance; an unrelated user may not.
    expect((await rm.api.instances.get(id)).id).toBe(id);
    expect((await refused(auditor.api.instances.get(id))).status).toBe(404);
  });

  it('lets a small loan through after one approval', async () => {
    const s = await rm.api.processes.start('loanApprovalDemo', { variables: { amount: 50_000 } });
    const t = await taskOf(compliance, s.id, 'review');
    await compliance.api.tasks.complete(t!.id);
    expect((await instance(s.id)).state).toBe('completed');
  });

  it('two users completing the same task at once: one 200, one 409, one history entry', async () => {
    const s = await rm.api.processes.start('loanApprovalDemo', { variables: { amount: 10 } });
    const t = await taskOf(manager, s.id, 'review');
    for (let round = 0; round < 1; round++) {
      const [a, b] = await Promise.all([statusOf(manager.api.tasks.complete(t!.id)), statusOf(compliance.api.tasks.complete(t!.id))]);
      expect([a, b].sort()).toEqual([200, 409]);
    }
    const view = await instance(s.id);
    expect(view.history.filter((h) => h.activityId === 'review')).toHaveLength(1);
    expect(view.state).toBe('completed');
    const rows = await withClient(srv.dbUrl, (c) => c.query(`SELECT count(*)::int AS n FROM crm.wf_history WHERE instance_id = $1 AND activity_id = 'review' AND event = 'end'`, [s.id]));
    expect(rows.rows[0].n).toBe(1);
  });

  it('many concurrent completions of many tasks: exactly one winner each', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await rm.api.processes.start('loanApprovalDemo', { variables: { amount: 1 } })).id);
    // The typed list takes no limit: the low-level request of the same client sends it.
    const inbox = await manager.api.request<{ items: Task[] }>('GET', '/api/tasks', { query: { scope: 'candidate', limit: 500 } });
    const tasks = inbox.items.filter((t) => ids.includes(t.processInstanceId));
    expect(tasks).toHaveLength(10);
    const results = await Promise.all(tasks.flatMap((t) => [statusOf(manager.api.tasks.complete(t.id)), statusOf(compliance.api.tasks.complete(t.id))]));
    expect(results.filter((r) => r === 200)).toHaveLength(10);
    expect(results.filter((r) => r === 409)).toHaveLength(10);
    const n = await withClient(srv.dbUrl, (c) => c.query(`SELECT count(*)::int AS n FROM crm.wf_history WHERE instance_id = ANY($1) AND activity_id = 'review' AND event = 'end'`, [ids]));
    expect(n.rows[0].n).toBe(10);
  });
});

describe('the inbox', () => {
  it('honours assignee, candidate org units (subtree) and claim', async () => {
    const xml = chain('inbox', [
      '<bpmn:startEvent id="s"/>',
      '<bpmn:userTask id="branchTask" name="分行任务" crm:candidateOrgUnits="SH"/>',
      '<bpmn:userTask id="direct" crm:assignee="=initiator"/>',
      '<bpmn:endEvent id="e"/>',
    ]);
    await deploy(xml);
    const s = await manager.api.processes.start('inbox');
    // rm sits in SH-PD-T1 (under SH): a candidate; compliance (head office) is not.
    const t = (await taskOf(rm, s.id, 'branchTask', 'candidate'))!;
    expect(t).toBeDefined();
    expect(await taskOf(compliance, s.id, 'branchTask')).toBeUndefined();
    // A task compliance may not see answers claim as GET does: 404, nothing about it told.
    expect((await refused(compliance.api.tasks.claim(t.id))).status).toBe(404);
    const claimed = await rm.api.tasks.claim(t.id);
    expect(claimed.assignee).toBe('rm');
    expect(await taskOf(rm, s.id, 'branchTask', 'mine')).toBeDefined();
    expect(await taskOf(manager, s.id, 'branchTask', 'candidate')).toBeUndefined();
    expect((await refused(manager.api.tasks.claim(t.id))).status).toBe(409);
    expect((await refused(manager.api.tasks.complete(t.id))).status).toBe(403);
    await rm.api.tasks.complete(t.id);
    const direct = (await taskOf(manager, s.id, 'direct', 'mine'))!;
    expect(direct.assignee).toBe('manager');
    expect((await refused(rm.api.tasks.complete(direct.id))).status).toBe(403);
    await manager.api.tasks.complete(direct.id);
    expect((await instance(s.id)).state).toBe('completed');
    expect((await refused(rm.api.tasks.get('nope:1'))).status).toBe(404);
  });
});

describe('events', () => {
  it('correlates messages by name and correlation key', async () => {
    const xml = chain('waitPayment', [
      '<bpmn:startEvent id="s" crm:inputs="orderId"/>',
      '<bpmn:intermediateCatchEvent id="paid" crm:inputs="paidAmount"><bpmn:messageEventDefinition messageRef="Msg_paid"/></bpmn:intermediateCatchEvent>',
      '<bpmn:endEvent id="e"/>',
    ], { extra: '<bpmn:message id="Msg_paid" name="paymentReceived" crm:correlationKey="=orderId"/>' });
    await deploy(xml);
    const a = await rm.api.processes.start('waitPayment', { variables: { orderId: 'A-1' } });
    const b = await rm.api.processes.start('waitPayment', { variables: { orderId: 'B-2' } });
    expect(a.activeActivities).toEqual(['paid']);
    const r = await rm.api.messages.correlate({ name: 'paymentReceived', correlationKey: 'A-1', variables: { paidAmount: 5 } });
    expect(r).toEqual({ correlated: 1 });
    expect(await instance(a.id)).toMatchObject({ state: 'completed', variables: { paidAmount: 5 } });
    expect((await instance(b.id)).state).toBe('active');
    expect(await rm.api.messages.correlate({ name: 'paymentReceived', correlationKey: 'A-1' })).toEqual({ correlated: 0 });
  });

  it('broadcasts signals to every waiting instance', async () => {
    const xml = chain('waitSignal', [
      '<bpmn:startEvent id="s"/>',
      '<bpmn:intermediateCatchEvent id="go"><bpmn:signalEventDefinition signalRef="Sig_go"/></bpmn:intermediateCatchEvent>',
      '<bpmn:endEvent id="e"/>',
    ], { extra: '<bpmn:signal id="Sig_go" name="marketClosed"/>' });
    await deploy(xml);
    const ids = await Promise.all([1, 2, 3].map(async () => (await rm.api.processes.start('waitSignal')).id));
    expect(await rm.api.signals.broadcast({ name: 'marketClosed' })).toEqual({ triggered: 3 });
    for (const id of ids) expect((await instance(id)).state).toBe('completed');
  });

  it('fires timers from the job executor', async () => {
    const xml = chain('waitTimer', [
      '<bpmn:startEvent id="s"/>',
      '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
      '<bpmn:endEvent id="e"/>',
    ]);
    await deploy(xml);
    const s = await rm.api.processes.start('waitTimer');
    expect(s.activeActivities).toEqual(['wait']);
    await until(async () => (await instance(s.id)).state === 'completed');
  });

  it('escalates an overdue task with a timer boundary event (SLA)', async () => {
    const xml = definitions(`<bpmn:process id="sla" isExecutable="true">
      <bpmn:startEvent id="s"/>
      <bpmn:userTask id="handle" crm:candidateGroups="rm" crm:dueDate='"PT1S"'/>
      <bpmn:boundaryEvent id="late" attachedToRef="handle" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
      <bpmn:userTask id="escalated" crm:candidateGroups="manager"/>
      <bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>
      <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="handle"/>
      <bpmn:sequenceFlow id="b" sourceRef="handle" targetRef="e1"/>
      <bpmn:sequenceFlow id="c" sourceRef="late" targetRef="escalated"/>
      <bpmn:sequenceFlow id="d" sourceRef="escalated" targetRef="e2"/>
    </bpmn:process>`);
    await deploy(xml);
    const s = await rm.api.processes.start('sla');
    const t = (await taskOf(rm, s.id, 'handle'))!;
    expect(t.dueAt).toEqual(expect.any(String));
    const esc = await until(() => taskOf(manager, s.id, 'escalated'));
    expect(esc.candidateGroups).toEqual(['manager']);
  });
});

describe('service tasks and incidents', () => {
  it('runs aml-screening against the sanctions list and round-robin-assign', async () => {
    const xml = chain('kycAuto', [
      '<bpmn:startEvent id="s" crm:inputs="customerName,idNo"/>',
      '<bpmn:serviceTask id="screen" crm:type="aml-screening"><bpmn:extensionElements><crm:ioMapping><crm:input source="=customerName" target="name"/><crm:input source="=idNo" target="idNumber"/><crm:output source="=amlHit" target="hit"/></crm:ioMapping></bpmn:extensionElements></bpmn:serviceTask>',
      '<bpmn:serviceTask id="pick" crm:type="round-robin-assign"><bpmn:extensionElements><crm:ioMapping><crm:input source="=&quot;rm&quot;" target="role"/><crm:input source="=&quot;SH&quot;" target="orgUnit"/><crm:output source="=assignee" target="owner"/></crm:ioMapping></bpmn:extensionElements></bpmn:serviceTask>',
      '<bpmn:userTask id="review" crm:assignee="=owner"/>',
      '<bpmn:endEvent id="e"/>',
    ]);
    await deploy(xml);
    const hit = await rm.api.processes.start('kycAuto', { variables: { customerName: '张 制裁', idNo: null } });
    const clean = await rm.api.processes.start('kycAuto', { variables: { customerName: '王五', idNo: '11010119900307000X' } });
    const a = await until(async () => { const v = await instance(hit.id); return v.activeActivities.includes('review') && v; });
    const b = await until(async () => { const v = await instance(clean.id); return v.activeActivities.includes('review') && v; });
    expect(a.variables).toMatchObject({ hit: true, owner: 'rm' });
    expect(b.variables).toMatchObject({ hit: false, owner: 'rm' });
  });

  it('retries a failing service with back-off, raises an incident, and an admin retries it', async () => {
    const xml = chain('flaky', [
      '<bpmn:startEvent id="s" crm:inputs="message"/>',
      '<bpmn:serviceTask id="call" crm:type="fail"/>',
      '<bpmn:endEvent id="e"/>',
    ]);
    await deploy(xml);
    const s = await rm.api.processes.start('flaky', { variables: { message: 'core banking down' } });
    const v = await until(async () => { const x = await instance(s.id); return x.state === 'incident' && x; });
    expect(v.incidents).toHaveLength(1);
    expect(v.incidents[0]).toMatchObject({ activityId: 'call', kind: 'job' });
    expect(v.incidents[0]!.message).toContain('core banking down');
    const list = await admin.api.incidents.list();
    const inc = list.find((i) => i.processInstanceId === s.id)!;
    expect(inc).toBeDefined();
    expect((await refused(rm.api.incidents.retry(inc.id))).status).toBe(403);
    expect((await admin.api.instances.setVariables(s.id, { variables: { shouldFail: false } })).variables).toMatchObject({ shouldFail: false });
    await admin.api.incidents.retry(inc.id);
    await until(async () => (await instance(s.id)).state === 'completed');
    expect((await refused(admin.api.incidents.retry(inc.id))).status).toBe(404);
  });

  it('routes a BPMN error from a service to an error boundary event', async () => {
    const xml = definitions(`<bpmn:process id="errPath" isExecutable="true">
      <bpmn:startEvent id="s"/>
      <bpmn:serviceTask id="call" crm:type="fail"><bpmn:extensionElements><crm:ioMapping><crm:input source='="REJECTED"' target="errorCode"/></crm:ioMapping></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:boundaryEvent id="onErr" attachedToRef="call"><bpmn:errorEventDefinition errorRef="Err"/></bpmn:boundaryEvent>
      <bpmn:endEvent id="ok"/><bpmn:endEvent id="rejected"/>
      <bpmn:sequenceFlow id="a" sourceRef="s" targetRef="call"/>
      <bpmn:sequenceFlow id="b" sourceRef="call" targetRef="ok"/>
      <bpmn:sequenceFlow id="c" sourceRef="onErr" targetRef="rejected"/>
    </bpmn:process>`, '<bpmn:error id="Err" errorCode="REJECTED"/>');
    await deploy(xml);
    const s = await rm.api.processes.start('errPath');
    const v = await until(async () => { const x = await instance(s.id); return x.state === 'completed' && x; });
    expect(v.history.map((h) => h.activityId)).toContain('rejected');
  });
});

describe('call activities, decisions, cancel', () => {
  it('starts a child instance and resumes the parent when it completes', async () => {
    await deploy(chain('childProc', ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="childTask" crm:candidateGroups="rm"/>', '<bpmn:scriptTask id="calc" scriptFormat="feel" crm:resultVariable="result"><bpmn:script>=level + "-ok"</bpmn:script></bpmn:scriptTask>', '<bpmn:endEvent id="e"/>']));
    await deploy(chain('parentProc', [
      '<bpmn:startEvent id="s" crm:inputs="lvl"/>',
      '<bpmn:callActivity id="call" crm:calledElement="childProc"><bpmn:extensionElements><crm:ioMapping><crm:input source="=lvl" target="level"/><crm:output source="=result" target="childResult"/></crm:ioMapping></bpmn:extensionElements></bpmn:callActivity>',
      '<bpmn:endEvent id="e"/>',
    ]));
    const p = await rm.api.processes.start('parentProc', { variables: { lvl: 'high' } });
    expect(p.activeActivities).toEqual(['call']);
    const children = await admin.api.instances.list({ definitionKey: 'childProc' });
    const child = children.find((c) => c.parentId === p.id)!;
    expect(child).toBeDefined();
    const t = (await taskOf(rm, child.id, 'childTask'))!;
    await rm.api.tasks.complete(t.id);
    const v = await until(async () => { const x = await instance(p.id); return x.state === 'completed' && x; });
    expect(v.variables.childResult).toBe('high-ok');
  });

  it('raises an incident on a call to a process that is not deployed; after the deploy a retry calls it', async () => {
    await deploy(chain('callsLater', ['<bpmn:startEvent id="s"/>', '<bpmn:callActivity id="call" crm:calledElement="notYet"/>', '<bpmn:endEvent id="e"/>']));
    const p = (await rm.api.processes.start('callsLater')) as InstanceView;
    expect(p).toMatchObject({ state: 'incident', activeActivities: ['call'] });
    expect(p.incidents).toEqual([expect.objectContaining({ activityId: 'call', kind: 'engine', message: 'called process notYet is not deployed' })]);
    const inc = p.incidents[0]!.id;
    await deploy(chain('notYet', ['<bpmn:startEvent id="s"/>', '<bpmn:endEvent id="e"/>']));
    await admin.api.incidents.retry(inc);
    const v = await until(async () => { const x = await instance(p.id); return x.state === 'completed' && x; });
    expect(v.incidents).toEqual([]);
    expect((await admin.api.instances.list({ definitionKey: 'notYet' })).map((c) => c.parentId)).toEqual([p.id]);
  });

  it('deploys and evaluates a DMN decision, and a business-rule task uses it', async () => {
    const dmn = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="risk" name="Risk" namespace="urn:test">
  <decision id="riskLevel" name="风险等级">
    <decisionTable id="dt" hitPolicy="FIRST">
      <input id="i1"><inputExpression id="ie1" typeRef="number"><text>amount</text></inputExpression></input>
      <output id="o1" name="level" typeRef="string"/>
      <rule id="r1"><inputEntry id="e1"><text>&gt; 1000000</text></inputEntry><outputEntry id="x1"><text>"high"</text></outputEntry></rule>
      <rule id="r2"><inputEntry id="e2"><text>-</text></inputEntry><outputEntry id="x2"><text>"low"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>`;
    const d = await analyst.api.decisions.deploy(dmn);
    expect(d).toMatchObject({ key: 'riskLevel', version: 1 });
    const ev = await analyst.api.decisions.evaluate('riskLevel', { amount: 2000000 });
    expect(ev).toEqual({ result: 'high' });
    // Trying out the bank's thresholds is design work: neither rm nor the auditor may.
    expect((await refused(rm.api.decisions.evaluate('riskLevel', { amount: 1 }))).status).toBe(403);
    expect((await refused(auditor.api.decisions.evaluate('riskLevel', { amount: 1 }))).status).toBe(403);
    await deploy(chain('rated', ['<bpmn:startEvent id="s" crm:inputs="amount"/>', '<bpmn:businessRuleTask id="rate" crm:decisionRef="riskLevel" crm:resultVariable="risk"/>', '<bpmn:endEvent id="e"/>']));
    const s = await rm.api.processes.start('rated', { variables: { amount: 5 } });
    expect(s).toMatchObject({ state: 'completed', variables: { risk: 'low' } });
    expect((await refused(analyst.api.decisions.deploy('<definitions'))).status).toBe(400);
  });

  it('cancels an instance: its open tasks disappear; a second cancel is 409', async () => {
    const s = await rm.api.processes.start('loanApprovalDemo', { variables: { amount: 5 } });
    expect((await refused(compliance.api.instances.cancel(s.id))).status).toBe(403);
    const c = await rm.api.instances.cancel(s.id);
    expect(c.state).toBe('terminated');
    expect(await taskOf(manager, s.id, 'review')).toBeUndefined();
    expect((await refused(rm.api.instances.cancel(s.id))).status).toBe(409);
    const list = await admin.api.instances.list({ state: 'terminated' });
    expect(list.map((i) => i.id)).toContain(s.id);
  });

  it('records deploys, completions and cancels in the audit trail', async () => {
    const rows = await withClient(srv.dbUrl, (c) => c.query(`SELECT DISTINCT action FROM crm.audit_log WHERE action LIKE 'workflow.%'`));
    expect(rows.rows.map((r: any) => r.action)).toEqual(expect.arrayContaining(['workflow.deploy', 'workflow.start', 'workflow.task_complete', 'workflow.cancel', 'workflow.incident_retry']));
  });
});
