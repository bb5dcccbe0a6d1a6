/**
 * Workflow and the rest of the platform: process triggers on records and form submissions (started
 * inside the writer's transaction, with the record as variables), task completion validated by a
 * published form, and timer start events scheduled at deploy.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import type { CreateObjectRequest, FormDefinitionInput, Permission, ProcessInstanceSummary, TriggerInput } from '@crm/shared';
import { as, client, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { chain, definitions } from './workflow-bpmn.js';

type Client = ReturnType<typeof client>;

let srv: TestServer;
let analyst: Client, rm: Client, manager: Client, admin: Client, security: Client;

async function deploy(xml: string) {
  return analyst.api.processes.deploy({ bpmnXml: xml });
}

async function instancesOf(key: string): Promise<ProcessInstanceSummary[]> {
  return admin.api.instances.list({ definitionKey: key, limit: '500' });
}

/** Read as rm, who may read every wf_lead record (sensitive fields masked, internal rating hidden). */
async function instance(id: string) {
  return rm.api.instances.get(id);
}

const count = (sql: string, params: unknown[] = []) => withClient(srv.dbUrl, async (c) => (await c.query(sql, params)).rows[0].n as number);

/** A process that waits in a user task for rm, so its variables can be read. */
const waiting = (id: string) => chain(id, ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="look" crm:candidateGroups="rm"/>', '<bpmn:endEvent id="e"/>']);

beforeAll(async () => {
  srv = await startServer({ env: { CRM_JOB_POLL_MS: '100' } });
  [analyst, rm, manager, admin, security] = await Promise.all(['analyst', 'rm', 'manager', 'admin', 'security'].map((u) => as(srv.baseUrl, u)));

  // Our own objects (the demo pack may define customer and friends): a lead with a field rm may not
  // read and an encrypted ID number, a complaint, and the fields of an approval form.
  const objects: CreateObjectRequest[] = [
    { key: 'wf_lead', label: '线索', fields: [
      { key: 'name', label: '名称', type: 'text', required: true },
      { key: 'status', label: '状态', type: 'text' },
      { key: 'amount', label: '金额', type: 'integer' },
      { key: 'internal_rating', label: '内部评级', type: 'text' },
      { key: 'id_number', label: '身份证号', type: 'cn_id_number', sensitivity: 4 },
    ] },
    { key: 'wf_complaint', label: '投诉', fields: [{ key: 'subject', label: '主题', type: 'text', required: true }] },
    { key: 'wf_blocked', label: '受阻', fields: [{ key: 'title', label: '标题', type: 'text', required: true }] },
    { key: 'wf_approval', label: '审批意见', fields: [
      { key: 'decision', label: '结论', type: 'select', required: true, options: { choices: [{ value: 'approve', label: '同意' }, { value: 'reject', label: '拒绝' }] } },
      { key: 'comment', label: '意见', type: 'text', options: { maxLength: 20 } },
    ] },
  ];
  for (const o of objects) {
    expect((await analyst.api.meta.createObject(o)).key).toBe(o.key);
  }
  const role = await security.api.admin.getRole('rm');
  const keep = (role.permissions ?? []).filter((p) => !String(p.object).startsWith('wf_'));
  const permissions: Permission[] = [
      ...keep,
      { object: 'wf_lead', actions: ['create', 'read', 'update'], scope: 'all', fields: { internal_rating: 'none' } },
      { object: 'wf_complaint', actions: ['create', 'read'], scope: 'all' },
      { object: 'wf_blocked', actions: ['create', 'read'], scope: 'all' },
  ];
  const granted = await security.api.admin.updateRole('rm', { permissions });
  expect(granted.permissions).toEqual(permissions);
  const forms: FormDefinitionInput[] = [
    { key: 'wf_complaint_form', object: 'wf_complaint', title: { 'zh-CN': '投诉登记' }, layout: [{ type: 'section', title: { 'zh-CN': '投诉' }, items: [{ field: 'subject' }] }] },
    { key: 'wf_approval_form', object: 'wf_approval', title: { 'zh-CN': '审批' }, layout: [{ type: 'section', title: { 'zh-CN': '意见' }, items: [{ field: 'decision' }, { field: 'comment' }] }] },
  ];
  for (const f of forms) {
    expect((await analyst.api.meta.createForm(f)).key).toBe(f.key);
    expect(await analyst.api.meta.publishForm(f.key)).toEqual({ version: 1 });
  }
});

afterAll(async () => {
  await srv?.stop();
});

describe('process triggers', () => {
  let leadTrigger: string;

  it('are for designers only', async () => {
    await deploy(waiting('leadCreated'));
    const body = { processKey: 'leadCreated', object: 'wf_lead', on: 'created' } as const satisfies TriggerInput;
    expect((await refused(rm.api.triggers.create(body))).status).toBe(403);
    expect((await refused(rm.api.triggers.list())).status).toBe(403);
    expect((await refused(manager.api.triggers.create(body))).status).toBe(403);
    const created = await analyst.api.triggers.create(body);
    expect(created).toMatchObject({ processKey: 'leadCreated', object: 'wf_lead', on: 'created', condition: null });
    leadTrigger = created.id;
    expect((await refused(rm.api.triggers.delete(leadTrigger))).status).toBe(403);
    expect((await analyst.api.triggers.list()).map((t) => t.id)).toContain(leadTrigger);
    // Refused shapes: an unknown process, a condition that is not FEEL, an identifier that is not one.
    expect((await refused(analyst.api.triggers.create({ ...body, processKey: 'nope' }))).status).toBe(404);
    expect((await refused(analyst.api.triggers.create({ ...body, condition: 'status = ("x"' }))).status).toBe(400);
    expect((await refused(analyst.api.triggers.create({ ...body, object: 'wf_lead; DROP TABLE x' }))).status).toBe(400);
  });

  it('starts the process when a record is created, with the record as variables and the writer as initiator', async () => {
    const r = await rm.api.records.create('wf_lead', { name: '李雷', status: 'new', amount: 500, id_number: '11010519491231002X' });
    // rm sees neither the internal rating nor the ID number in clear...
    expect(r.internal_rating).toBeUndefined();
    expect(r.id_number).toBe('1****************X');
    const [inst] = await instancesOf('leadCreated');
    expect(inst).toMatchObject({ businessKey: r.id, initiator: 'rm', state: 'active' });
    // ...but the process runs as the platform: its stored state holds every field in clear, and
    // nothing that is not a field (search hashes, ciphertext, soft-delete marks).
    const stored = await withClient(srv.dbUrl, async (c) => (await c.query('SELECT state FROM crm.wf_instances WHERE id = $1', [inst!.id])).rows[0].state);
    const v = Object.assign({}, ...Object.values(stored.execs as Record<string, { vars?: Record<string, any> }>).map((e) => e.vars ?? {}));
    expect(v).toMatchObject({ initiator: 'rm', object: 'wf_lead', recordId: r.id, name: '李雷', status: 'new', amount: 500 });
    expect(v.record).toMatchObject({ id: r.id, name: '李雷', owner_id: r.owner_id });
    expect(v).toHaveProperty('internal_rating', null);
    expect(v.id_number).toBe('11010519491231002X');
    expect(v.record.id_number).toBe('11010519491231002X');
    const keys = [...Object.keys(v), ...Object.keys(v.record)];
    expect(keys.filter((k) => k.endsWith('__h') || k === 'deleted_at')).toEqual([]);
    // People read the variables only as their rights on the record's object allow: rm (initiator)
    // sees the ID number masked and not the internal rating; admin, with no right on wf_lead, neither.
    const asRm = (await rm.api.instances.get(inst!.id)).variables;
    expect(asRm).toMatchObject({ name: '李雷', id_number: '1****************X', record: { id_number: '1****************X' } });
    expect(asRm).not.toHaveProperty('internal_rating');
    expect(asRm.record).not.toHaveProperty('internal_rating');
    const asAdmin = (await admin.api.instances.get(inst!.id)).variables;
    expect(asAdmin).not.toHaveProperty('id_number');
    expect(asAdmin).not.toHaveProperty('name');
    expect(asAdmin.object).toBe('wf_lead');
    expect(JSON.stringify(asAdmin)).not.toContain('11010519491231002X');
    // The analyst may read wf_lead records, but only its own: this one is not, so no field shows.
    const asAnalyst = (await analyst.api.instances.get(inst!.id)).variables;
    expect(asAnalyst).not.toHaveProperty('name');
    // rm, the initiator, finds the task the process opened.
    const tasks = (await rm.api.tasks.list('candidate')).items.filter((t) => t.processInstanceId === inst!.id);
    expect(tasks).toHaveLength(1);
  });

  it('starts on an update only when the FEEL condition on the change holds', async () => {
    await deploy(waiting('leadWon'));
    const t = await analyst.api.triggers.create({ processKey: 'leadWon', object: 'wf_lead', on: 'updated', condition: 'status = "won" and previous.status != "won" and list contains(changed, "status")' });
    expect(t).toMatchObject({ processKey: 'leadWon', on: 'updated' });
    const lead = await rm.api.records.create('wf_lead', { name: '韩梅梅', status: 'new', amount: 10 });
    const noMatch = await rm.api.records.update('wf_lead', lead.id, { version: lead.version, amount: 20 });
    expect(noMatch.amount).toBe(20);
    expect(await instancesOf('leadWon')).toHaveLength(0);
    const won = await rm.api.records.update('wf_lead', lead.id, { version: noMatch.version, status: 'won' });
    expect(won.status).toBe('won');
    const started = await instancesOf('leadWon');
    expect(started).toHaveLength(1);
    const v = (await instance(started[0]!.id)).variables;
    expect(v).toMatchObject({ status: 'won', amount: 20, previous: { status: 'new' }, changed: ['status'], initiator: 'rm' });
    // Another change of a won lead does not start it again.
    expect((await rm.api.records.update('wf_lead', lead.id, { version: won.version, amount: 30 })).amount).toBe(30);
    expect(await instancesOf('leadWon')).toHaveLength(1);
  });

  it('starts the form trigger when the form is submitted', async () => {
    await deploy(waiting('complaintIntake'));
    expect(await analyst.api.triggers.create({ processKey: 'complaintIntake', formKey: 'wf_complaint_form', on: 'submitted' })).toMatchObject({ formKey: 'wf_complaint_form' });
    // A record written without the form does not start it.
    expect((await rm.api.records.create('wf_complaint', { subject: '直接写入' })).subject).toBe('直接写入');
    expect(await instancesOf('complaintIntake')).toHaveLength(0);
    const sub = await rm.api.forms.submit('wf_complaint_form', { subject: 'ATM 吞卡' });
    const [inst] = await instancesOf('complaintIntake');
    expect(inst).toMatchObject({ businessKey: sub.id, initiator: 'rm' });
    expect((await instance(inst!.id)).variables).toMatchObject({ subject: 'ATM 吞卡', formKey: 'wf_complaint_form', object: 'wf_complaint' });
  });

  it('rolls the record write back when the triggered process cannot start', async () => {
    // Only a message start event: started without one, the process refuses.
    await deploy(definitions(`<bpmn:process id="needsMessage" isExecutable="true">
      <bpmn:startEvent id="s"><bpmn:messageEventDefinition messageRef="M"/></bpmn:startEvent><bpmn:endEvent id="e"/>
      <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/></bpmn:process>`, '<bpmn:message id="M" name="wakeUp"/>'));
    expect(await analyst.api.triggers.create({ processKey: 'needsMessage', object: 'wf_blocked', on: 'created' })).toMatchObject({ processKey: 'needsMessage' });
    const before = await count('SELECT count(*)::int AS n FROM crm_data.wf_blocked');
    const r = await refused(rm.api.records.create('wf_blocked', { title: '不会保存' }));
    expect(r.status).toBe(400);
    expect(r.code).toBe('workflow.start_failed');
    expect(await count('SELECT count(*)::int AS n FROM crm_data.wf_blocked')).toBe(before);
    expect(await count(`SELECT count(*)::int AS n FROM crm.wf_instances WHERE definition_key = 'needsMessage'`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM crm.audit_log WHERE action = 'record.create' AND object = 'wf_blocked' AND data::text LIKE '%不会保存%'`)).toBe(0);
  });

  it('stops starting once the trigger is deleted', async () => {
    expect(await analyst.api.triggers.delete(leadTrigger)).toBeUndefined(); // 204: no body
    expect((await refused(analyst.api.triggers.delete(leadTrigger))).status).toBe(404);
    const n = (await instancesOf('leadCreated')).length;
    expect((await rm.api.records.create('wf_lead', { name: '王五' })).name).toBe('王五');
    expect(await instancesOf('leadCreated')).toHaveLength(n);
  });
});

describe('starting a process for a record (发起流程 on a record page)', () => {
  it('reads the record as the caller may see it into the business data; a record outside their scope is 404 and starts nothing', async () => {
    await deploy(waiting('leadManual'));
    const r = await rm.api.records.create('wf_lead', { name: '韩梅梅', status: 'new', amount: 700, id_number: '11010519491231002X' });
    const inst = await rm.api.processes.start('leadManual', { record: { object: 'wf_lead', id: r.id } });
    expect(inst).toMatchObject({ businessKey: r.id, state: 'active' });
    expect((await rm.api.instances.get(inst.id)).variables).toMatchObject({ object: 'wf_lead', recordId: r.id, name: '韩梅梅', amount: 700, record: { id: r.id, name: '韩梅梅' } });
    // Started by a person, the process holds what that person may see: no hidden field, the ID number masked.
    const stored = await withClient(srv.dbUrl, async (c) => (await c.query('SELECT state FROM crm.wf_instances WHERE id = $1', [inst.id])).rows[0].state);
    expect(JSON.stringify(stored)).not.toContain('11010519491231002X');
    expect(JSON.stringify(stored)).not.toContain('internal_rating');
    // The manager may start processes but not read wf_lead; a crafted id or object is refused; nothing starts.
    expect((await refused(manager.api.processes.start('leadManual', { record: { object: 'wf_lead', id: r.id } }))).status).toBe(403);
    expect((await refused(rm.api.processes.start('leadManual', { record: { object: 'wf_lead', id: '00000000-0000-4000-8000-000000000000' } }))).status).toBe(404);
    expect((await refused(rm.api.processes.start('leadManual', { record: { object: 'wf_lead', id: 'x; DROP TABLE crm.users' } }))).status).toBe(400);
    expect((await refused(rm.api.processes.start('leadManual', { record: { object: 'no_such_object', id: r.id } }))).status).toBe(404);
    expect((await instancesOf('leadManual')).map((i) => i.id)).toEqual([inst.id]);
  });
});

describe('completing a task with a form', () => {
  it('validates the variables by the published form: 400 with field details and the task stays open; valid input completes it', async () => {
    await deploy(chain('formApproval', [
      '<bpmn:startEvent id="s"/>',
      '<bpmn:userTask id="approve" name="审批" crm:candidateGroups="manager" crm:formKey="wf_approval_form"/>',
      '<bpmn:endEvent id="e"/>',
    ]));
    const s = await rm.api.processes.start('formApproval');
    const task = (await manager.api.tasks.list('candidate')).items.find((t) => t.processInstanceId === s.id)!;
    expect(task).toMatchObject({ formKey: 'wf_approval_form', activityId: 'approve' });

    const missing = await refused(manager.api.tasks.complete(task.id, { variables: { comment: 'ok' } }));
    expect(missing.status).toBe(400);
    expect(missing.code).toBe('workflow.form_invalid');
    expect(missing.fieldErrors.map((d) => d.path)).toContain('/decision');
    const wrong = await refused(manager.api.tasks.complete(task.id, { variables: { decision: 'maybe', comment: 'x'.repeat(50) } }));
    expect(wrong.status).toBe(400);
    expect(wrong.fieldErrors.map((d) => d.path).sort()).toEqual(['/comment', '/decision']);
    for (const d of wrong.fieldErrors) expect(d.message).toEqual(expect.any(String));
    // Still open, the instance still waits, nothing was written to its history.
    expect((await manager.api.tasks.get(task.id)).status).toBe('open');
    const mid = await instance(s.id);
    expect(mid).toMatchObject({ state: 'active', activeActivities: ['approve'] });
    expect(mid.history.find((h) => h.activityId === 'approve')!.endedAt).toBeNull();

    await manager.api.tasks.complete(task.id, { variables: { decision: 'approve', comment: '同意放款' } });
    const done = await instance(s.id);
    expect(done).toMatchObject({ state: 'completed', variables: { decision: 'approve', comment: '同意放款' } });
    expect((await refused(manager.api.tasks.complete(task.id, { variables: { decision: 'approve' } }))).status).toBe(409);
  });
});

describe('timer start events', () => {
  const timerStart = (id: string, timer: string) => definitions(`<bpmn:process id="${id}" isExecutable="true">
    <bpmn:startEvent id="tick"><bpmn:timerEventDefinition>${timer}</bpmn:timerEventDefinition></bpmn:startEvent>
    <bpmn:userTask id="work" crm:candidateGroups="rm"/><bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="a" sourceRef="tick" targetRef="work"/><bpmn:sequenceFlow id="b" sourceRef="work" targetRef="e"/>
  </bpmn:process>`);

  it('starts an instance once when a duration from the deploy or a date falls due', async () => {
    const d = await deploy(timerStart('afterDeploy', '<bpmn:timeDuration>PT1S</bpmn:timeDuration>'));
    await deploy(timerStart('atDate', `<bpmn:timeDate>${new Date(Date.now() + 1500).toISOString()}</bpmn:timeDate>`));
    const [a] = await until(async () => { const l = await instancesOf('afterDeploy'); return l.length > 0 && l; });
    expect(a).toMatchObject({ initiator: 'system', version: d.version, state: 'active' });
    expect((await instance(a!.id)).activeActivities).toEqual(['work']);
    await until(async () => (await instancesOf('atDate')).length > 0);
    // No start job is left that could fire again (a firing deletes its job in the transaction that
    // starts the instance), so the counts below are final: no waiting to see whether more come.
    await until(async () => (await count(`SELECT count(*)::int AS n FROM crm.wf_jobs WHERE instance_id IS NULL AND payload->>'startKey' IN ('afterDeploy', 'atDate')`)) === 0);
    expect(await instancesOf('afterDeploy')).toHaveLength(1);
    expect(await instancesOf('atDate')).toHaveLength(1);
  });

  it('refuses a timer start that is not a time with 400 naming the event', async () => {
    const r = await refused(analyst.api.processes.deploy({ bpmnXml: timerStart('badTimer', '<bpmn:timeCycle>every day</bpmn:timeCycle>') }));
    expect(r.status).toBe(400);
    expect(r.fieldErrors.map((x) => x.elementId)).toEqual(['tick']);
  });

  it('replaces the previous version\'s timers: a new version\'s cycle is the only one that fires', async () => {
    const v1 = await deploy(timerStart('nightly', '<bpmn:timeCycle>R/P1D</bpmn:timeCycle>'));
    expect(await count(`SELECT count(*)::int AS n FROM crm.wf_jobs WHERE payload->>'definitionId' = $1`, [v1.id])).toBe(1);
    const v2 = await deploy(timerStart('nightly', '<bpmn:timeCycle>R2/PT1S</bpmn:timeCycle>'));
    expect(await count(`SELECT count(*)::int AS n FROM crm.wf_jobs WHERE payload->>'startKey' = 'nightly'`)).toBe(1);
    const both = await until(async () => { const l = await instancesOf('nightly'); return l.length >= 2 && l; });
    // R2: two firings, then no job is left to fire a third (the counts below are final).
    await until(async () => (await count(`SELECT count(*)::int AS n FROM crm.wf_jobs WHERE payload->>'startKey' = 'nightly'`)) === 0);
    const all = await instancesOf('nightly');
    expect(all).toHaveLength(2);
    expect(both.map((i) => i.version)).toEqual([v2.version, v2.version]);
  });
});
