/**
 * Tasks with their business (issue 19): a task knows the record its process runs for, titled and
 * shown as the person working it may see it — the branch manager's loan approval carries the loan's
 * customer, amount and product — and offers the choices the process makes after it. A task about a
 * record the worker may not read shows it restricted: neither its title, nor its fields, nor the
 * title of a related record outside their rights leaves the server.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import type { RecordData, Task } from '@crm/shared';
import { as, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';

type Client = Awaited<ReturnType<typeof as>>;

let srv: TestServer;
let rm: Client, manager: Client, analyst: Client, compliance: Client;
let mine: RecordData;
let foreign: RecordData;
let product: RecordData;

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="D" targetNamespace="t">`;
/** A review any customer manager may claim, about the record it is started for, with named choices. */
const PROBE = `${HEAD}<bpmn:process id="ctx_probe" name="记录复核" isExecutable="true">
  <bpmn:startEvent id="s" crm:inputs="object,recordId"/>
  <bpmn:userTask id="review" name="复核" crm:candidateGroups="rm" crm:outputs="decision,comment"/>
  <bpmn:exclusiveGateway id="g" default="back"/>
  <bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review"/><bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="g"/>
  <bpmn:sequenceFlow id="ok" name="确认无误" sourceRef="g" targetRef="e1"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=decision = "confirm"</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="back" name="退回" sourceRef="g" targetRef="e2"/>
</bpmn:process></bpmn:definitions>`;

async function taskFor(c: Client, instanceId: string, scope: 'mine' | 'candidate' | 'all' = 'all'): Promise<Task> {
  return until(async () => (await c.api.tasks.list(scope)).items.find((t) => t.processInstanceId === instanceId));
}

async function instanceOf(businessKey: string, definitionKey: string) {
  return until(async () => (await analyst.api.instances.list({ definitionKey })).find((i) => i.businessKey === businessKey));
}

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '400' }, timeoutMs: 120000 });
  [rm, manager, analyst, compliance] = await Promise.all(['rm', 'manager', 'analyst', 'compliance'].map((u) => as(srv.baseUrl, u)));
  const me = await rm.api.me();
  mine = (await rm.api.records.query('customer', { filter: { owner_id: me.id, customer_type: 'individual' }, limit: 1 })).items[0]!;
  foreign = (await compliance.api.records.query('customer', { filter: { province: '浙江省' }, limit: 1 })).items[0]!;
  product = (await rm.api.records.query('product', { filter: { category: 'loan' }, limit: 1 })).items[0]
    ?? (await rm.api.records.query('product', { limit: 1 })).items[0]!;
  expect([mine?.id, foreign?.id, product?.id].every(Boolean)).toBe(true);
  // Neither the customer manager nor the branch manager may read the other province's customer.
  expect((await refused(rm.api.records.get('customer', foreign.id))).status).toBe(404);
  expect((await refused(manager.api.records.get('customer', foreign.id))).status).toBe(404);
  await analyst.api.processes.deploy({ bpmnXml: PROBE });
}, 150000);

afterAll(async () => {
  await srv?.stop();
});

describe('a task carries the record it is about', () => {
  it("the manager's loan approval shows the loan, its customer, amount and product, and the process's choices", async () => {
    const loan = await rm.api.records.create('loan_application', { customer: mine.id, product: product.id, amount: '300000.00', term_months: 36, purpose: '装修' });
    const inst = await instanceOf(loan.id, 'bank_loan_application');
    const listed = await taskFor(manager, inst.id, 'mine');
    expect(listed.context).toEqual({ object: 'loan_application', objectLabel: expect.anything(), recordId: loan.id, title: loan.application_no, restricted: false });
    expect(listed.dueAt).not.toBeNull();

    const t = await manager.api.tasks.get(listed.id);
    expect(t.context).toEqual(listed.context);
    expect(t.record?.values).toMatchObject({ id: loan.id, amount: '300000.00', customer: mine.id, product: product.id, term_months: 36 });
    expect(t.record?.display).toEqual({
      customer: { title: mine.name, restricted: false },
      product: { title: product.name, restricted: false },
    });
    // 支行信贷审查 flows into a gateway testing `creditDecision = "approve"` (an output mapping of `decision`).
    expect(t.outcomes).toEqual([
      { variable: 'decision', value: 'approve', label: null },
      { variable: 'decision', value: 'reject', label: null },
    ]);
    expect(t.outputs).toEqual(expect.arrayContaining(['decision', 'comment']));

    // Choosing an offered outcome completes the task the way the process reads it.
    await manager.api.tasks.complete(t.id, { variables: { decision: 'reject', comment: '收入证明不足' } });
    await until(async () => (await rm.api.records.get('loan_application', loan.id)).status === 'rejected');
  });

  it("a related record outside the approver's rights shows restricted: no title, no name in the answer", async () => {
    const loan = await rm.api.records.create('loan_application', { customer: mine.id, product: product.id, amount: '120000.00', term_months: 12, purpose: '消费' });
    const inst = await instanceOf(loan.id, 'bank_loan_application');
    // The loan's customer is re-pointed at a customer of another province (a transfer the approver cannot follow).
    await withClient(srv.dbUrl, (db) => db.query('UPDATE crm_data.loan_application SET customer = $2 WHERE id = $1', [loan.id, foreign.id]));
    const listed = await taskFor(manager, inst.id, 'mine');
    const raw = (await manager.get<Record<string, unknown>>(`/api/tasks/${listed.id}`)).body;
    const t = raw as unknown as Awaited<ReturnType<typeof manager.api.tasks.get>>;
    expect(t.context).toMatchObject({ title: loan.application_no, restricted: false });
    expect(t.record?.display.customer).toEqual({ title: null, restricted: true });
    expect(t.record?.display.product).toEqual({ title: product.name, restricted: false });
    const body = JSON.stringify(raw);
    expect(body).not.toContain(String(foreign.name));
    expect(body).not.toContain(String(foreign.customer_no));
  });

  it('a task about a record the worker may not read: restricted, without its title or fields', async () => {
    const secret = await analyst.api.processes.start('ctx_probe', { variables: { object: 'customer', recordId: foreign.id } });
    const own = await analyst.api.processes.start('ctx_probe', { variables: { object: 'customer', recordId: mine.id } });
    const listedSecret = await taskFor(rm, secret.id, 'candidate');
    expect(listedSecret.context).toEqual({ object: 'customer', objectLabel: expect.anything(), recordId: foreign.id, title: null, restricted: true });
    const raw = (await rm.get<Record<string, unknown>>(`/api/tasks/${listedSecret.id}`)).body;
    expect(raw).toMatchObject({ context: { restricted: true, title: null }, record: null });
    const body = JSON.stringify(raw) + JSON.stringify(await rm.api.tasks.list('candidate'));
    expect(body).not.toContain(String(foreign.name));
    expect(body).not.toContain(String(foreign.customer_no));

    // The readable one is titled, with its fields as rm sees them (the ID number masked), and the model's named choices.
    const listedOwn = await taskFor(rm, own.id, 'candidate');
    expect(listedOwn.context).toMatchObject({ object: 'customer', recordId: mine.id, title: mine.name, restricted: false });
    const t = await rm.api.tasks.get(listedOwn.id);
    expect(t.record?.values).toMatchObject({ id: mine.id, name: mine.name });
    expect(String(t.record?.values.id_number)).toContain('*');
    expect(t.outcomes).toEqual([
      { variable: 'decision', value: 'confirm', label: '确认无误' },
      { variable: 'decision', value: 'reject', label: '退回' },
    ]);
    // Claiming keeps the context (the claim answers the task; the detail still carries its record).
    await rm.api.tasks.claim(listedOwn.id);
    expect((await rm.api.tasks.get(listedOwn.id)).context).toMatchObject({ title: mine.name });
    expect((await rm.api.tasks.list('mine')).items.find((x) => x.id === listedOwn.id)?.context?.title).toBe(mine.name);
  });

  it("a scheduled KYC review runs for the customer its start declares (customerId:customer): rm's tasks name their customers", async () => {
    const kyc = await until(async () => {
      const items = (await rm.api.tasks.list('mine')).items.filter((t) => t.activityId === 'kycUpdate');
      return items.length ? items : undefined;
    });
    for (const t of kyc) expect(t.context).toMatchObject({ object: 'customer', title: expect.any(String), restricted: false });
    // Different customers, not 17 identical rows.
    expect(new Set(kyc.map((t) => t.context?.recordId)).size).toBe(kyc.length);
    const d = await rm.api.tasks.get(kyc[0]!.id);
    expect(d.context).toEqual(kyc[0]!.context);
    expect(d.record?.values.id).toBe(kyc[0]!.context!.recordId);
    expect(d.record?.values.name).toBe(kyc[0]!.context!.title);
  });

  it('a task whose process runs for no record has no context; a bogus record reference is no context', async () => {
    const none = await analyst.api.processes.start('ctx_probe', { variables: {} });
    const bogus = await analyst.api.processes.start('ctx_probe', { variables: { object: 'customer; DROP TABLE x', recordId: 'not-a-uuid' } });
    for (const inst of [none, bogus]) {
      const listed = await taskFor(rm, inst.id, 'candidate');
      expect(listed.context).toBeNull();
      const t = await rm.api.tasks.get(listed.id);
      expect([t.context, t.record]).toEqual([null, null]);
    }
    // Someone who may not work the task learns nothing of it, context included.
    const listed = await taskFor(rm, none.id, 'candidate');
    expect((await refused(compliance.api.tasks.get(listed.id))).status).toBe(404);
  });
});

describe('records carry the titles of what they point at (display=true)', () => {
  it("a holding shows its customer and product by name; a restricted target is restricted, without its name", async () => {
    const holding = (await rm.api.records.query('holding', { filter: { customer: mine.id }, limit: 1 })).items[0]!;
    expect(holding).not.toHaveProperty('$display');
    const shown = await rm.api.records.get('holding', holding.id, { display: true });
    const productName = String((await rm.api.records.get('product', String(holding.product))).name);
    expect(shown.$display).toEqual({ customer: { title: mine.name, restricted: false }, product: { title: productName, restricted: false } });
    const page = await rm.api.records.list('holding', { filter: { customer: mine.id }, limit: 5, display: true });
    for (const h of page.items) expect(h.$display?.customer).toEqual({ title: mine.name, restricted: false });
    const queried = await rm.api.records.query('holding', { filter: { customer: mine.id }, limit: 5, display: true });
    expect(queried.items.map((h) => h.$display)).toEqual(page.items.map((h) => h.$display));

    // rm's own loan whose customer is re-pointed at a customer rm may not read.
    const loan = await rm.api.records.create('loan_application', { customer: mine.id, amount: '10000.00', term_months: 6, purpose: '周转' });
    await withClient(srv.dbUrl, (db) => db.query('UPDATE crm_data.loan_application SET customer = $2 WHERE id = $1', [loan.id, foreign.id]));
    const raw = (await rm.get<Record<string, unknown>>(`/api/records/loan_application/${loan.id}?display=true`)).body;
    expect((raw as { $display: unknown }).$display).toMatchObject({ customer: { title: null, restricted: true } });
    expect(JSON.stringify(raw)).not.toContain(String(foreign.name));
    expect((await rm.get(`/api/records/loan_application/${loan.id}?display=maybe`)).status).toBe(400);
    expect((await rm.get(`/api/records/loan_application/${loan.id}?other=1`)).status).toBe(400);
  });

  it('the 360° sections carry the titles of their rows’ targets', async () => {
    const view = await rm.api.customers.get360(mine.id);
    const h = view.holdings.items[0];
    expect(h?.$display?.product).toEqual({ title: expect.any(String), restricted: false });
    expect(h?.$display?.customer).toEqual({ title: mine.name, restricted: false });
  });
});
