/**
 * The process-side attacks of the penetration test, against the demo bank: each one reproduced as
 * it was done and now refused. Task and start inputs are declared; routing and four-eyes identities
 * come from the engine; a service task writes as the user whose step triggered it (through a
 * declared technical role, scoped by that user's read rights); values derived from a record are
 * shown only as the reader may read it; messages reach only what the sender may see; a task one
 * cannot see answers claim with 404; BPMN XML and decision tables are not for everyone.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { createClient, type ApiError, type Incident, type ProcessInstance, type RecordData, type Task } from '@crm/shared';
import { as, client, login, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { chain } from './workflow-bpmn.js';

type Client = ReturnType<typeof client>;

let srv: TestServer;
let analyst: Client, rm: Client, manager: Client, compliance: Client, admin: Client, auditor: Client;
let ids: Record<'rm' | 'manager' | 'compliance', string>;
let mine: RecordData;
let others: RecordData;

/** An instance as the API shows it, with its incidents and open tasks (not yet in the contract's ProcessInstance). */
type InstanceView = ProcessInstance & { incidents: Incident[]; tasks?: Task[] };

async function taskFor(c: Client, instanceId: string, activityId: string) {
  return until(async () => (await c.api.tasks.list('all')).items.find((t) => t.processInstanceId === instanceId && t.activityId === activityId));
}

async function instanceByKey(definitionKey: string, businessKey: string) {
  return until(async () => (await admin.api.instances.list({ definitionKey, businessKey }))[0]);
}

const view = async (id: string, c: Client = admin) => (await c.api.instances.get(id)) as InstanceView;
const row = (sql: string, params: unknown[]) => withClient(srv.dbUrl, async (db) => (await db.query(sql, params)).rows[0]);

async function deploy(xml: string) {
  await analyst.api.processes.deploy({ bpmnXml: xml });
}

/** A refusal's code, message and details as text, to look for a name anywhere in them. */
const errorText = (e: ApiError) => JSON.stringify({ code: e.code, message: e.message, details: e.details });

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '120', CRM_JOB_POLL_MS: '100', CRM_JOB_BACKOFF_MS: '100' }, timeoutMs: 120000 });
  [analyst, rm, manager, compliance, admin, auditor] = await Promise.all(['analyst', 'rm', 'manager', 'compliance', 'admin', 'auditor'].map((u) => as(srv.baseUrl, u)));
  const [r, m, c] = await Promise.all([rm.api.me(), manager.api.me(), compliance.api.me()]);
  ids = { rm: r.id, manager: m.id, compliance: c.id };
  mine = (await rm.api.records.query('customer', { filter: { owner_id: r.id, customer_type: 'individual' }, limit: 1 })).items[0]!;
  // A customer of another branch: rm may not read it.
  others = (await compliance.api.records.query('customer', { filter: { org_unit_id: { $ne: r.orgUnitId }, customer_type: 'individual' }, limit: 1 })).items[0]!;
  expect(mine).toBeDefined();
  expect(others).toBeDefined();
  expect((await refused(rm.api.records.get('customer', others.id))).status).toBe(404);
}, 150000);

afterAll(async () => {
  await srv?.stop();
});

describe('task and start inputs are declared; identities come from the engine', () => {
  it('complaint: rm can neither name the reviewer nor the handler, and the review stays with the branch manager', async () => {
    const f = await rm.api.records.create('complaint', { customer: mine.id, channel: 'branch', category: 'fees', description: '年费争议' });
    const inst = await instanceByKey('bank_complaint', f.id);
    const triage = await taskFor(manager, inst.id, 'triage');
    await manager.api.tasks.complete(triage.id, { variables: { category: 'fees' } });
    const handle = await taskFor(rm, inst.id, 'handle');

    // The attack as it was done: rm sets the routing variables while completing its own step.
    const rmToken = await login(srv.baseUrl, 'rm');
    const rmInEnglish = createClient({ baseUrl: srv.baseUrl, getToken: () => rmToken, getLanguage: () => 'en' });
    const attack = await refused(rmInEnglish.tasks.complete(handle.id, { variables: { branchManager: 'rm', handler: 'ghost' } }));
    expect(attack.status).toBe(400);
    expect(attack.code).toBe('workflow.reserved_variables');
    expect(attack.message).toContain('branchManager');
    expect(attack.fieldErrors.map((d) => d.path).sort()).toEqual(['/variables/branchManager', '/variables/handler']);
    const zh = await refused(rm.api.tasks.complete(handle.id, { variables: { handleBy: 'manager' } }));
    expect(zh.status).toBe(400);
    expect(zh.message).toMatch(/流程引擎/);
    const undeclared = await refused(rm.api.tasks.complete(handle.id, { variables: { resolution: '退费', approvedAmount: '1000000.00' } }));
    expect(undeclared.status).toBe(400);
    expect({ code: undeclared.code, details: undeclared.details }).toMatchObject({ code: 'workflow.undeclared_variables', details: [expect.objectContaining({ path: '/variables/approvedAmount' })] });
    expect(undeclared.message).toContain('approvedAmount');
    // Nothing of the refused requests was written: the task is open, the routing as the engine set it.
    expect((await view(inst.id)).variables).toMatchObject({ branchManager: 'manager', handler: 'rm' });
    expect((await view(inst.id)).variables).not.toHaveProperty('resolution');

    await rm.api.tasks.complete(handle.id, { variables: { resolution: '已退还年费' } });
    const review = await taskFor(manager, inst.id, 'review');
    expect(review.assignee).toBe('manager');
    expect((await refused(rm.api.tasks.complete(review.id, { variables: { reviewDecision: 'ok' } }))).status).toBe(403);
    // Not even the process administrator's data fix may pick the reviewer.
    const fix = await refused(admin.api.instances.setVariables(inst.id, { variables: { branchManager: 'admin' } }));
    expect(fix.status).toBe(400);
    expect(fix.code).toBe('workflow.reserved_variables');
    // (read by the branch manager: `resolution` is also a complaint field, shown only with rights on the complaint)
    const v = (await view(inst.id, manager)).variables;
    expect(v).toMatchObject({ handleBy: 'rm', branchManager: 'manager', resolution: '已退还年费' });
    // The status write-back ran as the technical role on behalf of rm: updated_by is rm, never empty.
    const written = await row('SELECT status, updated_by::text AS by FROM crm_data.complaint WHERE id = $1', [f.id]);
    expect(written).toEqual({ status: 'handling', by: ids.rm });
  });

  it('KYC: rm can neither start a review of another branch\'s customer nor rewrite one through kycUpdate', async () => {
    // The review's start declares `customerId:customer`: a customer the starter may read, nothing else.
    const start = await refused(rm.api.processes.start('bank_kyc_review', { variables: { customerId: others.id } }));
    expect(start.status).toBe(400);
    expect({ code: start.code, details: start.details }).toMatchObject({ code: 'workflow.unreadable_reference', details: [expect.objectContaining({ path: '/variables/customerId' })] });
    const lowered = await refused(rm.api.processes.start('bank_kyc_review', { variables: { customerId: mine.id, riskLevel: 'low' } }));
    expect(lowered.status).toBe(400);
    expect(lowered.code).toBe('workflow.undeclared_variables');
    expect(await row(`SELECT count(*)::int AS n FROM crm.wf_instances WHERE definition_key = 'bank_kyc_review' AND business_key IS NULL`, [])).toEqual({ n: 0 });
    const asSomeoneElse = await refused(rm.api.processes.start('bank_kyc_review', { variables: { initiator: 'compliance' } }));
    expect(asSomeoneElse.status).toBe(400);
    expect(asSomeoneElse.code).toBe('workflow.reserved_variables');

    // A review of rm's own high-risk customer, started by the daily scheduler.
    const before = await compliance.api.records.get('customer', others.id);
    const cur = await compliance.api.records.get('customer', mine.id);
    expect((await compliance.api.records.update('customer', mine.id, { kyc_next_review: '2020-01-01', risk_level: 'high', version: cur.version })).risk_level).toBe('high');
    const sched = await analyst.api.processes.start('bank_kyc_scheduler');
    expect(sched.id).toEqual(expect.any(String));
    const inst = await instanceByKey('bank_kyc_review', mine.id);
    const update = await taskFor(rm, inst.id, 'kycUpdate');
    const attack = await refused(rm.api.tasks.complete(update.id, { variables: { customerId: others.id, riskLevel: 'low' } }));
    expect(attack.status).toBe(400);
    expect(attack.code).toBe('workflow.undeclared_variables');
    expect(attack.fieldErrors.map((d) => d.path).sort()).toEqual(['/variables/customerId', '/variables/riskLevel']);
    const after = await compliance.api.records.get('customer', others.id);
    expect(after).toMatchObject({ version: before.version, risk_level: before.risk_level, kyc_status: before.kyc_status });

    // Proposing "low" for a high-risk customer does not verify it: compliance reviews, and may refuse.
    await rm.api.tasks.complete(update.id, { variables: { proposedRiskLevel: 'low' } });
    const review = await taskFor(compliance, inst.id, 'complianceReview');
    expect(await rm.api.records.get('customer', mine.id)).toMatchObject({ risk_level: 'high', kyc_status: 'reviewing' });
    await compliance.api.tasks.complete(review.id, { variables: { approved: false } });
    await until(async () => (await view(inst.id)).state === 'completed');
    expect(await rm.api.records.get('customer', mine.id)).toMatchObject({ risk_level: 'high', kyc_status: 'verified' });
    const written = await row('SELECT updated_by::text AS by FROM crm_data.customer WHERE id = $1', [mine.id]);
    expect(written.by).toBe(ids.compliance);
  });

  it('a relation in a start form must name a record the starter may read', async () => {
    expect((await analyst.api.meta.createObject({ key: 'wf_visit', label: '走访', fields: [{ key: 'customer', label: '客户', type: 'relation', target: 'customer', required: true }, { key: 'note', label: '备注', type: 'text' }] })).key).toBe('wf_visit');
    expect((await analyst.api.meta.createForm({ key: 'wf_visit_form', object: 'wf_visit', title: '走访', layout: [{ field: 'customer' }, { field: 'note' }] })).key).toBe('wf_visit_form');
    expect(await analyst.api.meta.publishForm('wf_visit_form')).toEqual({ version: 1 });
    await deploy(chain('visitPlan', ['<bpmn:startEvent id="s" crm:formKey="wf_visit_form"/>', '<bpmn:userTask id="go" crm:assignee="=initiator"/>', '<bpmn:endEvent id="e"/>']));
    const unreadable = await refused(rm.api.processes.start('visitPlan', { variables: { customer: others.id, note: '顺路拜访' } }));
    expect(unreadable.status).toBe(400);
    expect({ code: unreadable.code, details: unreadable.details }).toMatchObject({ code: 'workflow.unreadable_reference', details: [expect.objectContaining({ path: '/variables/customer' })] });
    expect(errorText(unreadable)).not.toContain(String(others.name));
    const ok = await rm.api.processes.start('visitPlan', { variables: { customer: mine.id, note: '季度回访' } });
    expect(ok.variables).toMatchObject({ customer: mine.id, initiator: 'rm' });
  });
});

describe('a service task that writes acts for the user whose step triggered it', () => {
  const patcher = (id: string, runAs: string) => chain(id, [
    '<bpmn:startEvent id="s" crm:inputs="complaintId"/>',
    `<bpmn:serviceTask id="close" crm:type="bank-record-patch"${runAs}><bpmn:extensionElements><crm:ioMapping><crm:input source='="complaint"' target="object"/><crm:input source="=complaintId" target="id"/><crm:input source='={status: "closed"}' target="values"/></crm:ioMapping></bpmn:extensionElements></bpmn:serviceTask>`,
    '<bpmn:endEvent id="e"/>',
  ]);

  it('writes another branch\'s record neither through a technical role nor without one', async () => {
    await deploy(patcher('closeAsRole', ' crm:runAs="workflow_bank"'));
    await deploy(patcher('closePlain', ''));
    // A complaint rm may not read (the analyst's own, about a customer the analyst created), and one of rm's.
    const theirs = await analyst.api.records.create('customer', { customer_type: 'individual', name: '分析师试用客户' });
    const foreign = await analyst.api.records.create('complaint', { customer: theirs.id, channel: 'branch', category: 'fees', description: '他人投诉' });
    const own = await rm.api.records.create('complaint', { customer: mine.id, channel: 'branch', category: 'fees', description: '本人投诉' });
    expect([foreign.customer, own.customer]).toEqual([theirs.id, mine.id]);
    expect((await refused(rm.api.records.get('complaint', foreign.id))).status).toBe(404);

    const a = await rm.api.processes.start('closeAsRole', { variables: { complaintId: foreign.id } });
    const outOfScope = await until(async () => { const v = await view(a.id); return v.state === 'incident' && v; });
    expect(outOfScope.incidents[0]!.message).toContain('RECORD_OUT_OF_SCOPE');
    const b = await rm.api.processes.start('closePlain', { variables: { complaintId: own.id } });
    const plain = await until(async () => { const v = await view(b.id); return v.state === 'incident' && v; });
    expect(plain.incidents[0]!.message).toContain('RECORD_WRITE_REFUSED');
    for (const id of [foreign.id, own.id]) expect((await row('SELECT status FROM crm_data.complaint WHERE id = $1', [id])).status).not.toBe('closed');

    const c = await rm.api.processes.start('closeAsRole', { variables: { complaintId: own.id } });
    await until(async () => (await view(c.id)).state === 'completed');
    expect(await row('SELECT status, updated_by::text AS by FROM crm_data.complaint WHERE id = $1', [own.id])).toEqual({ status: 'closed', by: ids.rm });
  });
});

describe('a process never carries another branch\'s customer to the user who triggered it', () => {
  it('a loan naming a customer rm may not read gets no customer context and no task in that branch', async () => {
    // Refusing such a relation at the record write is the records module's part; whether or not it
    // is refused there, the process must not read the customer for rm.
    const loan = await rm.api.records.create('loan_application', { customer: others.id, amount: '100000.00', term_months: 12, purpose: '经营' }).catch((e: ApiError) => e);
    if (!('id' in loan)) {
      expect(loan.status).toBeGreaterThanOrEqual(400);
      return;
    }
    const inst = await instanceByKey('bank_loan_application', loan.id);
    const stuck = await until(async () => { const v = await view(inst.id); return v.state === 'incident' && v; });
    expect(stuck.incidents[0]!.message).toContain('CUSTOMER_OUT_OF_SCOPE');
    expect(stuck.tasks).toEqual([]);
    const asRm = JSON.stringify(await view(inst.id, rm));
    expect(asRm).not.toContain(String(others.name));
    expect(asRm).not.toContain('customerName');
    expect(await row(`SELECT count(*)::int AS n FROM crm.wf_tasks WHERE instance_id = $1`, [inst.id])).toEqual({ n: 0 });
  });
});

describe('messages reach only what the sender may see', () => {
  it('rm cannot move another user\'s instance on, nor inject undeclared variables', async () => {
    await deploy(chain('payWait', [
      '<bpmn:startEvent id="s" crm:inputs="orderId"/>',
      '<bpmn:intermediateCatchEvent id="paid" crm:inputs="paidAmount"><bpmn:messageEventDefinition messageRef="Msg_paid"/></bpmn:intermediateCatchEvent>',
      '<bpmn:endEvent id="e"/>',
    ], { extra: '<bpmn:message id="Msg_paid" name="loanPaid" crm:correlationKey="=orderId"/>' }));
    const inst = await manager.api.processes.start('payWait', { variables: { orderId: 'M-1' } });
    const noKey = await refused(rm.api.messages.correlate({ name: 'loanPaid', variables: { paid: true } }));
    expect(noKey.status).toBe(403);
    expect(noKey.code).toBe('workflow.message_needs_key');
    expect(await rm.api.messages.correlate({ name: 'loanPaid', correlationKey: 'M-1', variables: { paidAmount: 1 } })).toEqual({ correlated: 0 });
    expect((await view(inst.id)).state).toBe('active');
    const injected = await refused(manager.api.messages.correlate({ name: 'loanPaid', correlationKey: 'M-1', variables: { paid: true } }));
    expect(injected.status).toBe(400);
    expect(injected.code).toBe('workflow.undeclared_variables');
    expect((await refused(manager.api.messages.correlate({ name: 'loanPaid', correlationKey: 'M-1', variables: { initiator: 'rm' } }))).status).toBe(400);
    expect((await view(inst.id)).state).toBe('active');
    expect(await manager.api.messages.correlate({ name: 'loanPaid', correlationKey: 'M-1', variables: { paidAmount: 5 } })).toEqual({ correlated: 1 });
    expect(await view(inst.id)).toMatchObject({ state: 'completed', variables: { paidAmount: 5, initiator: 'manager' } });
    // A process administrator may still correlate without a key.
    const second = await manager.api.processes.start('payWait', { variables: { orderId: 'M-2' } });
    expect((await admin.api.messages.correlate({ name: 'loanPaid' })).correlated).toBeGreaterThanOrEqual(1);
    expect((await view(second.id)).state).toBe('completed');
  });

  it('a signal from rm reaches only rm\'s own instances and sets only declared variables', async () => {
    await deploy(chain('marketWait', [
      '<bpmn:startEvent id="s"/>',
      '<bpmn:intermediateCatchEvent id="closed" crm:inputs="closingPrice"><bpmn:signalEventDefinition signalRef="Sig_close"/></bpmn:intermediateCatchEvent>',
      '<bpmn:endEvent id="e"/>',
    ], { extra: '<bpmn:signal id="Sig_close" name="marketClosedSec"/>' }));
    const theirs = await manager.api.processes.start('marketWait');
    const own = await rm.api.processes.start('marketWait');
    const injected = await refused(rm.api.signals.broadcast({ name: 'marketClosedSec', variables: { approved: true } }));
    expect(injected.status).toBe(400);
    expect(injected.code).toBe('workflow.undeclared_variables');
    expect(await rm.api.signals.broadcast({ name: 'marketClosedSec', variables: { closingPrice: '3.21' } })).toEqual({ triggered: 1 });
    expect(await view(own.id)).toMatchObject({ state: 'completed', variables: { closingPrice: '3.21' } });
    expect((await view(theirs.id)).state).toBe('active');
  });
});

describe('claims, BPMN XML and decision tables', () => {
  it('claiming a task one cannot see is 404 and names nobody', async () => {
    await deploy(chain('privateWork', ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="mgrOnly" crm:assignee="=initiator"/>', '<bpmn:endEvent id="e"/>']));
    const inst = await manager.api.processes.start('privateWork');
    const t = await taskFor(manager, inst.id, 'mgrOnly');
    for (const c of [rm, compliance, auditor]) {
      const r = await refused(c.api.tasks.claim(t.id));
      expect(r.status).toBe(404);
      expect(errorText(r)).not.toContain('manager');
      expect((await refused(c.api.tasks.get(t.id))).status).toBe(404);
    }
    expect((await manager.api.tasks.claim(t.id)).assignee).toBe('manager');
  });

  it('the auditor reads no BPMN XML and evaluates no decision table', async () => {
    expect((await refused(auditor.api.processes.xml('bank_loan_application'))).status).toBe(403);
    expect(await rm.api.processes.xml('bank_loan_application')).toContain('bank_loan_application');
    const variables = { amount: 8000000, riskLevel: 'low' };
    expect((await refused(auditor.api.decisions.evaluate('loanApprovalLevel', variables))).status).toBe(403);
    expect((await refused(rm.api.decisions.evaluate('loanApprovalLevel', variables))).status).toBe(403);
    expect(await analyst.api.decisions.evaluate('loanApprovalLevel', variables)).toHaveProperty('result');
  });
});

describe('values derived from a record are shown as the reader may read the record', () => {
  const ID = '11010519491231002X';
  const MOBILE = '13800138000';

  it('a script that copies an ID number and a mobile is masked for rm, hidden from others, clear and audited for compliance', async () => {
    await deploy(chain('contactCopy', [
      '<bpmn:startEvent id="s"/>',
      '<bpmn:scriptTask id="copy" scriptFormat="feel" crm:resultVariable="contact"><bpmn:script>=id_number + " / " + mobile</bpmn:script></bpmn:scriptTask>',
      '<bpmn:scriptTask id="greet" scriptFormat="feel" crm:resultVariable="greeting"><bpmn:script>="您好，" + name</bpmn:script></bpmn:scriptTask>',
      '<bpmn:userTask id="look" crm:candidateGroups="rm,compliance"/>',
      '<bpmn:endEvent id="e"/>',
    ]));
    const trigger = await analyst.api.triggers.create({ processKey: 'contactCopy', object: 'customer', on: 'created' });
    expect(trigger).toMatchObject({ processKey: 'contactCopy', object: 'customer', on: 'created' });
    const c = await rm.api.records.create('customer', { customer_type: 'individual', name: '赵新客', id_number: ID, mobile: MOBILE });
    expect(await analyst.api.triggers.delete(trigger.id)).toBeUndefined(); // 204: no body
    const inst = await instanceByKey('contactCopy', c.id);

    const asRm = await view(inst.id, rm);
    expect(asRm.variables).toMatchObject({ contact: '****', greeting: '您好，赵新客', id_number: expect.stringContaining('*') });
    expect(JSON.stringify(asRm)).not.toContain(ID);
    expect(JSON.stringify(asRm)).not.toContain(MOBILE);
    const task = await taskFor(rm, inst.id, 'look');
    const asRmTask = await rm.api.tasks.get(task.id);
    expect(asRmTask.variables?.contact).toBe('****');
    expect(JSON.stringify(asRmTask)).not.toContain(ID);

    // admin (process.admin, no customer rights) and analyst (designer, not involved) see none of it.
    const asAdmin = await view(inst.id, admin);
    expect(asAdmin.variables).not.toHaveProperty('contact');
    expect(asAdmin.variables).not.toHaveProperty('greeting');
    expect(JSON.stringify(asAdmin)).not.toContain(ID);
    const asAnalyst = await view(inst.id, analyst);
    expect(asAnalyst.variables).toEqual({});

    // compliance (a candidate, with unmask) reads it in clear, and that read is audited.
    const asCompliance = await view(inst.id, compliance);
    expect(asCompliance.variables.contact).toBe(`${ID} / ${MOBILE}`);
    const audited = await row(
      `SELECT count(*)::int AS n FROM crm.audit_log WHERE action = 'record.read_unmasked' AND record_id = $1 AND actor_id = $2 AND data->>'via' = 'process'`,
      [c.id, ids.compliance],
    );
    expect(audited.n).toBeGreaterThanOrEqual(1);
    // The process itself read level ≥ 3 fields: audited at its start, with the fields it read.
    const atStart = await row(
      `SELECT data FROM crm.audit_log WHERE action = 'record.read_unmasked' AND record_id = $1 AND data->>'processKey' = 'contactCopy'`,
      [c.id],
    );
    expect(atStart.data.fields.sort()).toEqual(['id_number', 'mobile']);
  });
});
