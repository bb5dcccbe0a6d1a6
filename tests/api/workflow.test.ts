/**
 * Workflow through the HTTP API: deploy and versions, the loan approval with four-eyes, the inbox,
 * concurrent completion, messages, signals, timers, service tasks with retries and incidents,
 * call activities, decisions and cancel.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as, client } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { chain, definitions, LOAN_APPROVAL } from './workflow-bpmn.js';

type Client = ReturnType<typeof client>;

let srv: TestServer;
let analyst: Client, rm: Client, manager: Client, compliance: Client, admin: Client, auditor: Client;

async function deploy(xml: string, key?: string) {
  const r = await analyst.post('/api/process-definitions', { bpmnXml: xml, ...(key ? { key } : {}) });
  expect(r.status).toBe(201);
  return r.body as { key: string; version: number; id: string };
}

async function instance(id: string) {
  const r = await admin.get(`/api/process-instances/${id}`);
  expect(r.status).toBe(200);
  return r.body;
}

async function taskOf(c: Client, instanceId: string, activityId: string, scope = 'all') {
  const r = await c.get(`/api/tasks?scope=${scope}`);
  if (r.status !== 200) console.log(JSON.stringify(r.body), srv.output().slice(-1500));
  expect(r.status).toBe(200);
  return (r.body.items as any[]).find((t) => t.processInstanceId === instanceId && t.activityId === activityId);
}

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
    const r = await analyst.post('/api/process-definitions', { bpmnXml: '<?xml version="1.0"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">\n<bpmn:process id="p">\n</bpmn:definitions>' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('workflow.bpmn_parse_error');
    expect(r.body.error.details[0].line).toEqual(expect.any(Number));
  });

  it('answers an unsupported element and a missing attribute with 400 naming the element', async () => {
    const xml = chain('bad', ['<bpmn:startEvent id="s"/>', '<bpmn:complexGateway id="weird"/>', '<bpmn:serviceTask id="noType"/>', '<bpmn:endEvent id="e"/>']);
    const r = await analyst.post('/api/process-definitions', { bpmnXml: xml });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('workflow.bpmn_invalid');
    const ids = (r.body.error.details as any[]).map((d) => d.elementId);
    expect(ids).toEqual(expect.arrayContaining(['weird', 'noType']));
  });

  it('needs the designer right', async () => {
    const r = await rm.post('/api/process-definitions', { bpmnXml: LOAN_APPROVAL });
    expect(r.status).toBe(403);
  });

  it('makes each deploy a new version; running instances stay on theirs', async () => {
    const v1 = chain('versioned', ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="t1" crm:candidateGroups="rm"/>', '<bpmn:endEvent id="e"/>']);
    const v2 = chain('versioned', ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="t2" crm:candidateGroups="rm"/>', '<bpmn:endEvent id="e"/>']);
    expect((await deploy(v1)).version).toBe(1);
    const old = await rm.post('/api/process-definitions/versioned/start', {});
    expect(old.status).toBe(201);
    expect(old.body).toMatchObject({ version: 1, state: 'active', activeActivities: ['t1'] });
    expect((await deploy(v2)).version).toBe(2);
    const fresh = await rm.post('/api/process-definitions/versioned/start', {});
    expect(fresh.body).toMatchObject({ version: 2, activeActivities: ['t2'] });
    const t = await taskOf(rm, old.body.id, 't1');
    expect((await rm.post(`/api/tasks/${t.id}/complete`, {})).status).toBe(200);
    expect(await instance(old.body.id)).toMatchObject({ state: 'completed', version: 1 });

    const versions = await analyst.get('/api/process-definitions/versioned/versions');
    expect(versions.body.map((v: any) => v.version)).toEqual([2, 1]);
    const list = await rm.get('/api/process-definitions');
    expect(list.body.find((d: any) => d.key === 'versioned').version).toBe(2);
  });

  it('serves the XML of the latest version', async () => {
    const r = await rm.get('/api/process-definitions/versioned/xml');
    expect(r.status).toBe(200);
    expect(String(r.body)).toContain('id="t2"');
    // Not to those who neither design, run nor start processes.
    const denied = await auditor.get('/api/process-definitions/versioned/xml');
    expect(denied.status).toBe(403);
    expect(String(JSON.stringify(denied.body))).not.toContain('t2');
  });

  it('refuses to start without process.start or designer', async () => {
    const r = await auditor.post('/api/process-definitions/versioned/start', {});
    expect(r.status).toBe(403);
    expect((await rm.post('/api/process-definitions/nope/start', {})).status).toBe(404);
  });
});

describe('loan approval with four-eyes', () => {
  beforeAll(async () => {
    await deploy(LOAN_APPROVAL);
  });

  it('sends a loan over 1,000,000 to a second approver who may not be the first', async () => {
    const started = await rm.post('/api/process-definitions/loanApprovalDemo/start', { variables: { amount: 2_000_000, customer: '张三' }, businessKey: 'LN-1' });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ state: 'active', activeActivities: ['review'], businessKey: 'LN-1' });
    expect(started.body.variables).toMatchObject({ amount: 2000000, initiator: 'rm' });
    const id = started.body.id;

    // rm is no candidate: nothing in its inbox, and completing is refused.
    expect(await taskOf(rm, id, 'review')).toBeUndefined();
    const review = await taskOf(manager, id, 'review', 'candidate');
    expect(review).toMatchObject({ name: '初审', candidateGroups: ['manager', 'compliance'], assignee: null });
    expect((await rm.post(`/api/tasks/${review.id}/complete`, {})).status).toBe(403);

    const detail = await manager.get(`/api/tasks/${review.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id: review.id, formKey: null, variables: { amount: 2000000, customer: '张三' } });

    expect((await manager.post(`/api/tasks/${review.id}/complete`, { variables: { decision: 'approve' } })).status).toBe(200);
    expect((await manager.post(`/api/tasks/${review.id}/complete`, {})).status).toBe(409);

    // The second approval: manager (the first approver) neither sees it nor may complete it.
    expect(await taskOf(manager, id, 'second', 'candidate')).toBeUndefined();
    const second = await taskOf(compliance, id, 'second', 'candidate');
    expect(second).toBeDefined();
    const refused = await manager.post(`/api/tasks/${second.id}/complete`, {}, { 'accept-language': 'en' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('workflow.four_eyes');
    expect((await manager.post(`/api/tasks/${second.id}/claim`)).status).toBe(403);

    expect((await compliance.post(`/api/tasks/${second.id}/complete`, { variables: { finalDecision: 'approve' } })).status).toBe(200);
    const done = await instance(id);
    expect(done).toMatchObject({ state: 'completed', activeActivities: [], variables: { firstApprover: 'manager', finalDecision: 'approve' } });
    const steps = done.history.map((h: any) => [h.activityId, h.by ?? null]);
    expect(steps).toEqual([['start', null], ['review', 'manager'], ['big', null], ['second', 'compliance'], ['merge', null], ['done', null]]);
    for (const h of done.history) expect(h.endedAt).toEqual(expect.any(String));

    // The initiator may read the instance; an unrelated user may not.
    expect((await rm.get(`/api/process-instances/${id}`)).status).toBe(200);
    expect((await auditor.get(`/api/process-instances/${id}`)).status).toBe(404);
  });

  it('lets a small loan through after one approval', async () => {
    const s = await rm.post('/api/process-definitions/loanApprovalDemo/start', { variables: { amount: 50_000 } });
    const t = await taskOf(compliance, s.body.id, 'review');
    expect((await compliance.post(`/api/tasks/${t.id}/complete`, {})).status).toBe(200);
    expect((await instance(s.body.id)).state).toBe('completed');
  });

  it('two users completing the same task at once: one 200, one 409, one history entry', async () => {
    const s = await rm.post('/api/process-definitions/loanApprovalDemo/start', { variables: { amount: 10 } });
    const t = await taskOf(manager, s.body.id, 'review');
    for (let round = 0; round < 1; round++) {
      const [a, b] = await Promise.all([manager.post(`/api/tasks/${t.id}/complete`, {}), compliance.post(`/api/tasks/${t.id}/complete`, {})]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
    }
    const view = await instance(s.body.id);
    expect(view.history.filter((h: any) => h.activityId === 'review')).toHaveLength(1);
    expect(view.state).toBe('completed');
    const rows = await withClient(srv.dbUrl, (c) => c.query(`SELECT count(*)::int AS n FROM crm.wf_history WHERE instance_id = $1 AND activity_id = 'review' AND event = 'end'`, [s.body.id]));
    expect(rows.rows[0].n).toBe(1);
  });

  it('many concurrent completions of many tasks: exactly one winner each', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await rm.post('/api/process-definitions/loanApprovalDemo/start', { variables: { amount: 1 } })).body.id);
    const tasks = (await manager.get('/api/tasks?scope=candidate&limit=500')).body.items.filter((t: any) => ids.includes(t.processInstanceId));
    expect(tasks).toHaveLength(10);
    const results = await Promise.all(tasks.flatMap((t: any) => [manager.post(`/api/tasks/${t.id}/complete`, {}), compliance.post(`/api/tasks/${t.id}/complete`, {})]));
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    expect(results.filter((r) => r.status === 409)).toHaveLength(10);
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
    const s = await manager.post('/api/process-definitions/inbox/start', {});
    // rm sits in SH-PD-T1 (under SH): a candidate; compliance (head office) is not.
    const t = await taskOf(rm, s.body.id, 'branchTask', 'candidate');
    expect(t).toBeDefined();
    expect(await taskOf(compliance, s.body.id, 'branchTask')).toBeUndefined();
    // A task compliance may not see answers claim as GET does: 404, nothing about it told.
    expect((await compliance.post(`/api/tasks/${t.id}/claim`)).status).toBe(404);
    const claimed = await rm.post(`/api/tasks/${t.id}/claim`);
    expect(claimed.status).toBe(200);
    expect(claimed.body.assignee).toBe('rm');
    expect(await taskOf(rm, s.body.id, 'branchTask', 'mine')).toBeDefined();
    expect(await taskOf(manager, s.body.id, 'branchTask', 'candidate')).toBeUndefined();
    expect((await manager.post(`/api/tasks/${t.id}/claim`)).status).toBe(409);
    expect((await manager.post(`/api/tasks/${t.id}/complete`, {})).status).toBe(403);
    expect((await rm.post(`/api/tasks/${t.id}/complete`, {})).status).toBe(200);
    const direct = await taskOf(manager, s.body.id, 'direct', 'mine');
    expect(direct.assignee).toBe('manager');
    expect((await rm.post(`/api/tasks/${direct.id}/complete`, {})).status).toBe(403);
    expect((await manager.post(`/api/tasks/${direct.id}/complete`, {})).status).toBe(200);
    expect((await instance(s.body.id)).state).toBe('completed');
    expect((await rm.get('/api/tasks/nope:1')).status).toBe(404);
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
    const a = await rm.post('/api/process-definitions/waitPayment/start', { variables: { orderId: 'A-1' } });
    const b = await rm.post('/api/process-definitions/waitPayment/start', { variables: { orderId: 'B-2' } });
    expect(a.body.activeActivities).toEqual(['paid']);
    const r = await rm.post('/api/messages', { name: 'paymentReceived', correlationKey: 'A-1', variables: { paidAmount: 5 } });
    expect(r.body).toEqual({ correlated: 1 });
    expect(await instance(a.body.id)).toMatchObject({ state: 'completed', variables: { paidAmount: 5 } });
    expect((await instance(b.body.id)).state).toBe('active');
    expect((await rm.post('/api/messages', { name: 'paymentReceived', correlationKey: 'A-1' })).body).toEqual({ correlated: 0 });
  });

  it('broadcasts signals to every waiting instance', async () => {
    const xml = chain('waitSignal', [
      '<bpmn:startEvent id="s"/>',
      '<bpmn:intermediateCatchEvent id="go"><bpmn:signalEventDefinition signalRef="Sig_go"/></bpmn:intermediateCatchEvent>',
      '<bpmn:endEvent id="e"/>',
    ], { extra: '<bpmn:signal id="Sig_go" name="marketClosed"/>' });
    await deploy(xml);
    const ids = await Promise.all([1, 2, 3].map(async () => (await rm.post('/api/process-definitions/waitSignal/start', {})).body.id));
    expect((await rm.post('/api/signals', { name: 'marketClosed' })).body).toEqual({ triggered: 3 });
    for (const id of ids) expect((await instance(id)).state).toBe('completed');
  });

  it('fires timers from the job executor', async () => {
    const xml = chain('waitTimer', [
      '<bpmn:startEvent id="s"/>',
      '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
      '<bpmn:endEvent id="e"/>',
    ]);
    await deploy(xml);
    const s = await rm.post('/api/process-definitions/waitTimer/start', {});
    expect(s.body.activeActivities).toEqual(['wait']);
    await until(async () => (await instance(s.body.id)).state === 'completed');
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
    const s = await rm.post('/api/process-definitions/sla/start', {});
    const t = await taskOf(rm, s.body.id, 'handle');
    expect(t.dueAt).toEqual(expect.any(String));
    const esc = await until(() => taskOf(manager, s.body.id, 'escalated'));
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
    const hit = await rm.post('/api/process-definitions/kycAuto/start', { variables: { customerName: '张 制裁', idNo: null } });
    const clean = await rm.post('/api/process-definitions/kycAuto/start', { variables: { customerName: '王五', idNo: '11010119900307000X' } });
    const a = await until(async () => { const v = await instance(hit.body.id); return v.activeActivities.includes('review') && v; });
    const b = await until(async () => { const v = await instance(clean.body.id); return v.activeActivities.includes('review') && v; });
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
    const s = await rm.post('/api/process-definitions/flaky/start', { variables: { message: 'core banking down' } });
    const v = await until(async () => { const x = await instance(s.body.id); return x.state === 'incident' && x; });
    expect(v.incidents).toHaveLength(1);
    expect(v.incidents[0]).toMatchObject({ activityId: 'call', kind: 'job' });
    expect(v.incidents[0].message).toContain('core banking down');
    const list = await admin.get('/api/incidents');
    const inc = list.body.items.find((i: any) => i.processInstanceId === s.body.id);
    expect(inc).toBeDefined();
    expect((await rm.post(`/api/incidents/${inc.id}/retry`)).status).toBe(403);
    expect((await admin.put(`/api/process-instances/${s.body.id}/variables`, { variables: { shouldFail: false } })).status).toBe(200);
    const retried = await admin.post(`/api/incidents/${inc.id}/retry`);
    expect(retried.status).toBe(200);
    await until(async () => (await instance(s.body.id)).state === 'completed');
    expect((await admin.post(`/api/incidents/${inc.id}/retry`)).status).toBe(404);
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
    const s = await rm.post('/api/process-definitions/errPath/start', {});
    const v = await until(async () => { const x = await instance(s.body.id); return x.state === 'completed' && x; });
    expect(v.history.map((h: any) => h.activityId)).toContain('rejected');
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
    const p = await rm.post('/api/process-definitions/parentProc/start', { variables: { lvl: 'high' } });
    expect(p.body.activeActivities).toEqual(['call']);
    const children = await admin.get('/api/process-instances?definitionKey=childProc');
    const child = children.body.items.find((c: any) => c.parentId === p.body.id);
    expect(child).toBeDefined();
    const t = await taskOf(rm, child.id, 'childTask');
    expect((await rm.post(`/api/tasks/${t.id}/complete`, {})).status).toBe(200);
    const v = await until(async () => { const x = await instance(p.body.id); return x.state === 'completed' && x; });
    expect(v.variables.childResult).toBe('high-ok');
  });

  it('raises an incident on a call to a process that is not deployed; after the deploy a retry calls it', async () => {
    await deploy(chain('callsLater', ['<bpmn:startEvent id="s"/>', '<bpmn:callActivity id="call" crm:calledElement="notYet"/>', '<bpmn:endEvent id="e"/>']));
    const p = await rm.post('/api/process-definitions/callsLater/start', {});
    expect(p.status).toBe(201);
    expect(p.body).toMatchObject({ state: 'incident', activeActivities: ['call'] });
    expect(p.body.incidents).toEqual([expect.objectContaining({ activityId: 'call', kind: 'engine', message: 'called process notYet is not deployed' })]);
    const inc = p.body.incidents[0].id;
    await deploy(chain('notYet', ['<bpmn:startEvent id="s"/>', '<bpmn:endEvent id="e"/>']));
    const r = await admin.post(`/api/incidents/${inc}/retry`);
    expect(r.status).toBe(200);
    const v = await until(async () => { const x = await instance(p.body.id); return x.state === 'completed' && x; });
    expect(v.incidents).toEqual([]);
    expect((await admin.get('/api/process-instances?definitionKey=notYet')).body.items.map((c: any) => c.parentId)).toEqual([p.body.id]);
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
    const d = await analyst.post('/api/decision-definitions', { dmnXml: dmn });
    expect(d.status).toBe(201);
    expect(d.body).toMatchObject({ key: 'riskLevel', version: 1 });
    const ev = await analyst.post('/api/decision-definitions/riskLevel/evaluate', { variables: { amount: 2000000 } });
    expect(ev.body).toEqual({ result: 'high' });
    // Trying out the bank's thresholds is design work: neither rm nor the auditor may.
    expect((await rm.post('/api/decision-definitions/riskLevel/evaluate', { variables: { amount: 1 } })).status).toBe(403);
    expect((await auditor.post('/api/decision-definitions/riskLevel/evaluate', { variables: { amount: 1 } })).status).toBe(403);
    await deploy(chain('rated', ['<bpmn:startEvent id="s" crm:inputs="amount"/>', '<bpmn:businessRuleTask id="rate" crm:decisionRef="riskLevel" crm:resultVariable="risk"/>', '<bpmn:endEvent id="e"/>']));
    const s = await rm.post('/api/process-definitions/rated/start', { variables: { amount: 5 } });
    expect(s.body).toMatchObject({ state: 'completed', variables: { risk: 'low' } });
    expect((await analyst.post('/api/decision-definitions', { dmnXml: '<definitions' })).status).toBe(400);
  });

  it('cancels an instance: its open tasks disappear; a second cancel is 409', async () => {
    const s = await rm.post('/api/process-definitions/loanApprovalDemo/start', { variables: { amount: 5 } });
    expect((await compliance.post(`/api/process-instances/${s.body.id}/cancel`)).status).toBe(403);
    const c = await rm.post(`/api/process-instances/${s.body.id}/cancel`);
    expect(c.status).toBe(200);
    expect(c.body.state).toBe('terminated');
    expect(await taskOf(manager, s.body.id, 'review')).toBeUndefined();
    expect((await rm.post(`/api/process-instances/${s.body.id}/cancel`)).status).toBe(409);
    const list = await admin.get('/api/process-instances?state=terminated');
    expect(list.body.items.map((i: any) => i.id)).toContain(s.body.id);
  });

  it('records deploys, completions and cancels in the audit trail', async () => {
    const rows = await withClient(srv.dbUrl, (c) => c.query(`SELECT DISTINCT action FROM crm.audit_log WHERE action LIKE 'workflow.%'`));
    expect(rows.rows.map((r: any) => r.action)).toEqual(expect.arrayContaining(['workflow.deploy', 'workflow.start', 'workflow.task_complete', 'workflow.cancel', 'workflow.incident_retry']));
  });
});
