/**
 * Business events in and behaviour-triggered journeys on the demo bank: `POST /api/events` (right,
 * validation, the caller's customer scope, idempotency, durable storage, message correlation, payload
 * names), journeys entered by an event and by a record change, their re-entry rules, the A/B split,
 * waits (time moved by making the timer job due, as the job executor sees a clock), branches and a
 * goal reached by a later event; journey actions that the activator may not do end in an incident.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import type { JourneyInput, RecordData } from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';
import { as, call, client, login, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { chain, definitions } from './workflow-bpmn.js';

type Client = ReturnType<typeof client>;

let srv: TestServer;
let analyst: Client, rm: Client, admin: Client, security: Client, core: Client, branchSystem: Client;
let customers: RecordData[];
/** Demo customers with a valid marketing consent (the contact gates let them be contacted), and without any. */
let consenting: string[], unconsenting: string[];

const sql = <T = any>(text: string, params: unknown[] = []) => withClient(srv.dbUrl, async (c) => (await c.query(text, params)).rows as T[]);
const count = async (text: string, params: unknown[] = []) => Number((await sql<{ n: string }>(text, params))[0]!.n);

/** Moves the clock of an instance's waits: its timer jobs become due now (what the executor sees when the time has come). */
async function passTime(instanceId: string): Promise<void> {
  const n = await count(`WITH d AS (UPDATE crm.wf_jobs SET due_at = now() WHERE instance_id = $1 AND kind = 'timer' RETURNING 1) SELECT count(*) AS n FROM d`, [instanceId]);
  expect(n).toBeGreaterThan(0);
}

async function instanceOf(journey: string, customerId: string): Promise<string> {
  const rows = await sql<{ instance_id: string }>('SELECT instance_id FROM crm.journey_entries WHERE journey_key = $1 AND customer_id = $2 ORDER BY entered_at DESC LIMIT 1', [journey, customerId]);
  return rows[0]!.instance_id;
}

async function activeAt(id: string): Promise<string[]> {
  return (await admin.api.instances.get(id)).activeActivities;
}

const msg = (id: string, channel: string, text = '您的存款即将到期') =>
  `<bpmn:serviceTask id="${id}" crm:type="journey.message"><bpmn:extensionElements><crm:ioMapping><crm:input source="=&quot;${channel}&quot;" target="channel"/><crm:input source="=&quot;${text}&quot;" target="template"/></crm:ioMapping></bpmn:extensionElements></bpmn:serviceTask>`;

/** Maturity retention: message → wait 7 days → A: WeCom / B: push → wait 30 days → end; the goal: a `converted` event. */
const RETENTION = definitions(`<bpmn:process id="jt_retention" name="到期挽留" isExecutable="true">
  <bpmn:startEvent id="start"/>
  ${msg('touch1', 'sms', '尊敬的{{客户姓名}}：{{campaign}}提醒您，存款即将到期')}
  <bpmn:intermediateCatchEvent id="wait7" name="等待7天"><bpmn:timerEventDefinition><bpmn:timeDuration>P7D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
  <bpmn:exclusiveGateway id="split" default="toB"/>
  ${msg('touchA', 'wecom')}
  ${msg('touchB', 'push')}
  <bpmn:exclusiveGateway id="join"/>
  <bpmn:intermediateCatchEvent id="wait30"><bpmn:timerEventDefinition><bpmn:timeDuration>P30D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="touch1"/>
  <bpmn:sequenceFlow id="f2" sourceRef="touch1" targetRef="wait7"/>
  <bpmn:sequenceFlow id="f3" sourceRef="wait7" targetRef="split"/>
  <bpmn:sequenceFlow id="toA" sourceRef="split" targetRef="touchA"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=variant = "A"</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="toB" sourceRef="split" targetRef="touchB"/>
  <bpmn:sequenceFlow id="f4" sourceRef="touchA" targetRef="join"/>
  <bpmn:sequenceFlow id="f5" sourceRef="touchB" targetRef="join"/>
  <bpmn:sequenceFlow id="f6" sourceRef="join" targetRef="wait30"/>
  <bpmn:sequenceFlow id="f7" sourceRef="wait30" targetRef="end"/>
  <bpmn:subProcess id="goal" triggeredByEvent="true">
    <bpmn:startEvent id="converted" isInterrupting="true"><bpmn:messageEventDefinition messageRef="Msg_converted"/></bpmn:startEvent>
    <bpmn:endEvent id="goal_converted" name="已转化"/>
    <bpmn:sequenceFlow id="g1" sourceRef="converted" targetRef="goal_converted"/>
  </bpmn:subProcess>
</bpmn:process>`, '<bpmn:message id="Msg_converted" name="product_purchased" crm:correlationKey="=customerId"/>');

const retention = (over: Partial<JourneyInput> = {}): JourneyInput => ({
  key: 'jt_retention', name: '到期挽留', processKey: 'jt_retention',
  entry: { kind: 'event', event: 'deposit_maturing' },
  reentry: { mode: 'once' },
  split: { variants: [{ key: 'A', percent: 50 }, { key: 'B', percent: 50 }] },
  goals: ['goal_converted'],
  ...over,
});

/** The variant the platform must give a customer: bucket = first 4 bytes of SHA-256("journey:customer") mod 100. */
function expectedVariant(journey: string, customerId: string): string {
  const b = createHash('sha256').update(`${journey}:${customerId}`).digest().readUInt32BE(0) % 100;
  return b < 50 ? 'A' : 'B';
}

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '60', CRM_JOB_POLL_MS: '100', CRM_JOB_BACKOFF_MS: '100', CRM_JOB_MAX_ATTEMPTS: '1' }, timeoutMs: 120000 });
  [analyst, rm, admin, security] = await Promise.all(['analyst', 'rm', 'admin', 'security'].map((u) => as(srv.baseUrl, u)));
  // A core system: may post events and read every customer; a branch system: only customers it owns.
  await security.api.admin.createRole({ key: 'core_events', name: '核心系统事件', platform: ['events.post'], permissions: [{ object: 'customer', actions: ['read'], scope: 'all' }] });
  await security.api.admin.createRole({ key: 'branch_events', name: '支行系统事件', platform: ['events.post'], permissions: [{ object: 'customer', actions: ['read', 'create'], scope: 'own' }] });
  await admin.api.admin.createUser({ username: 'core_sys', password: 'Core#System2026', roles: ['core_events'] });
  await admin.api.admin.createUser({ username: 'branch_sys', password: 'Branch#System2026', roles: ['branch_events'] });
  core = client(srv.baseUrl, await login(srv.baseUrl, 'core_sys', 'Core#System2026'));
  branchSystem = client(srv.baseUrl, await login(srv.baseUrl, 'branch_sys', 'Branch#System2026'));
  customers = (await core.api.records.list('customer', { limit: 40, sort: 'customer_no' })).items;
  expect(customers.length).toBe(40);
  // Customers the demo bank's journeys and sample campaign have not contacted yet, so the frequency caps start empty.
  const consent = await sql<{ id: string; ok: boolean; any: boolean }>(
    `SELECT c.id::text AS id, EXISTS (SELECT 1 FROM crm_data.consent k WHERE k.customer = c.id AND k.purpose = 'marketing' AND k.withdrawn IS NOT TRUE AND k.deleted_at IS NULL) AS ok,
            EXISTS (SELECT 1 FROM crm_data.consent k WHERE k.customer = c.id AND k.purpose = 'marketing') AS any
     FROM crm_data.customer c WHERE c.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM crm.journey_entries e WHERE e.customer_id = c.id)
       AND NOT EXISTS (SELECT 1 FROM crm.marketing_contacts m WHERE m.customer_id = c.id) ORDER BY c.id`,
  );
  consenting = consent.filter((x) => x.ok).map((x) => x.id);
  unconsenting = consent.filter((x) => !x.any).map((x) => x.id);
  expect(consenting.length).toBeGreaterThan(3);
  expect(unconsenting.length).toBeGreaterThan(3);
  expect((await analyst.api.processes.deploy({ bpmnXml: RETENTION })).key).toBe('jt_retention');
}, 150000);

afterAll(async () => {
  await srv?.stop();
});

describe('POST /api/events', () => {
  it('is refused without the events.post right, and to anonymous callers', async () => {
    const body = { name: 'birthday', customerId: String(customers[0]!.id) };
    for (const c of [analyst, rm, admin]) expect((await refused(c.api.events.post(body))).status).toBe(403);
    expect((await call(srv.baseUrl, 'POST', '/api/events', { body })).status).toBe(401);
  });

  it('validates the body at the edge', async () => {
    const id = String(customers[0]!.id);
    for (const body of [
      { name: 'birthday' },
      { name: 'Birthday!', customerId: id },
      { name: 'birthday', customerId: id, customerKey: String(customers[0]!.customer_no) },
      { name: 'birthday', customerId: 'not-a-uuid' },
      { name: 'birthday', customerId: id, payload: { 'bad name': 1 } },
      { name: 'birthday', customerId: id, extra: true },
      { name: 'birthday', customerId: id, payload: { big: 'x'.repeat(20000) } },
    ]) {
      const r = await core.post('/api/events', body);
      expect([r.status, r.body.error.code]).toEqual([400, 'common.validation_failed']);
    }
  });

  it('answers 404 for an unknown customer and for one the caller may not reach', async () => {
    expect((await refused(core.api.events.post({ name: 'birthday', customerKey: 'KH-NO-SUCH' }))).status).toBe(404);
    expect((await refused(core.api.events.post({ name: 'birthday', customerId: '00000000-0000-4000-8000-000000000000' }))).status).toBe(404);
    // Another branch's customer, by id and by key: the same 404, nothing stored.
    const before = await count('SELECT count(*) AS n FROM crm.business_events');
    expect((await refused(branchSystem.api.events.post({ name: 'birthday', customerId: String(customers[0]!.id) }))).status).toBe(404);
    expect((await refused(branchSystem.api.events.post({ name: 'birthday', customerKey: String(customers[0]!.customer_no) }))).status).toBe(404);
    expect(await count('SELECT count(*) AS n FROM crm.business_events')).toBe(before);
    // Its own customer is fine.
    const own = await branchSystem.api.records.create('customer', { customer_type: 'individual', name: '支行自有客户' });
    expect(await branchSystem.api.events.post({ name: 'birthday', customerId: String(own.id) })).toMatchObject({ accepted: true, journeysEntered: 0 });
  });

  it('stores the event, once per Idempotency-Key', async () => {
    const body = { name: 'large_outflow', customerKey: String(customers[1]!.customer_no), payload: { amount: '800000.00' } };
    const first = await core.post('/api/events', body, { 'idempotency-key': 'evt-1' });
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ accepted: true });
    const again = await core.post('/api/events', body, { 'idempotency-key': 'evt-1' });
    expect([again.status, again.body.id]).toEqual([202, first.body.id]);
    const rows = await sql('SELECT name, customer_id::text AS customer_id, payload FROM crm.business_events WHERE id = $1', [first.body.id]);
    expect(rows).toEqual([{ name: 'large_outflow', customer_id: customers[1]!.id, payload: { amount: '800000.00' } }]);
    expect(await count(`SELECT count(*) AS n FROM crm.business_events WHERE idempotency_key = 'evt-1'`)).toBe(1);
    // The same key with another body is refused; without a key every post is a new event.
    expect((await core.post('/api/events', { ...body, payload: { amount: '1.00' } }, { 'idempotency-key': 'evt-1' })).status).toBe(422);
    const third = await core.api.events.post(body);
    expect(third.id).not.toBe(first.body.id);
  });

  it('correlates a waiting message catch of the customer, with only the variables it declares', async () => {
    const xml = chain('jt_wait_outflow', [
      '<bpmn:startEvent id="s" crm:inputs="customerId"/>',
      '<bpmn:intermediateCatchEvent id="outflow" crm:inputs="amount"><bpmn:messageEventDefinition messageRef="Msg_out"/></bpmn:intermediateCatchEvent>',
      '<bpmn:userTask id="look" crm:candidateGroups="rm"/>',
      '<bpmn:endEvent id="e"/>',
    ], { extra: '<bpmn:message id="Msg_out" name="large_outflow" crm:correlationKey="=customerId"/>' });
    await analyst.api.processes.deploy({ bpmnXml: xml });
    const target = String(customers[2]!.id);
    const inst = await analyst.api.processes.start('jt_wait_outflow', { variables: { customerId: target } });
    expect(inst.activeActivities).toEqual(['outflow']);
    // An undeclared name in the payload is refused, and the refused event is not stored.
    const before = await count('SELECT count(*) AS n FROM crm.business_events');
    const smuggled = await refused(core.api.events.post({ name: 'large_outflow', customerId: target, payload: { amount: '1', riskNote: 'vip' } }));
    expect([smuggled.status, smuggled.code]).toEqual([400, 'workflow.undeclared_variables']);
    expect((await refused(core.api.events.post({ name: 'large_outflow', customerId: target, payload: { initiator: 'admin' } }))).code).toBe('workflow.reserved_variables');
    expect(await count('SELECT count(*) AS n FROM crm.business_events')).toBe(before);
    expect(await activeAt(inst.id)).toEqual(['outflow']);
    // Another customer's event does not reach it; this customer's does.
    expect((await core.api.events.post({ name: 'large_outflow', customerId: String(customers[3]!.id), payload: { amount: '2' } })).correlated).toBe(0);
    expect((await core.api.events.post({ name: 'large_outflow', customerId: target, payload: { amount: '900000.00' } })).correlated).toBe(1);
    const after = await admin.api.instances.get(inst.id);
    expect(after.activeActivities).toEqual(['look']);
    expect(after.variables.amount).toBe('900000.00');
  });
});

describe('journeys', () => {
  it('are designed by designers only, and checked', async () => {
    expect((await refused(rm.api.journeys.create(retention()))).status).toBe(403);
    expect((await refused(core.api.journeys.list())).status).toBe(403);
    expect((await refused(analyst.api.journeys.create(retention({ entry: { kind: 'event', event: 'deposit_maturing', condition: 'amount >' } })))).code).toBe('journeys.bad_condition');
    const bad = await analyst.post('/api/journeys', { ...retention(), split: { variants: [{ key: 'A', percent: 60 }, { key: 'B', percent: 60 }] } });
    expect(bad.status).toBe(400);
    const j = await analyst.api.journeys.create(retention());
    expect(j).toMatchObject({ key: 'jt_retention', status: 'draft', createdBy: 'analyst', activatedBy: null });
    expect((await refused(analyst.api.journeys.create(retention()))).status).toBe(409);
    await analyst.api.journeys.update('jt_retention', { ...retention(), key: undefined, goals: ['touch1'] } as never);
    expect((await refused(analyst.api.journeys.activate('jt_retention'))).code).toBe('journeys.unknown_goal');
    const { key: _k, ...rest } = retention();
    await analyst.api.journeys.update('jt_retention', rest);
    expect(await analyst.api.journeys.activate('jt_retention')).toMatchObject({ status: 'active', activatedBy: 'analyst' });
    expect((await refused(analyst.api.journeys.update('jt_retention', rest))).code).toBe('journeys.active');
  });

  it('entered by a posted event: waits, branches by its A/B variant and ends at its goal', async () => {
    const c = consenting[0]!;
    const r = await core.api.events.post({ name: 'deposit_maturing', customerId: c, payload: { product: '三年期定期' } });
    expect(r.journeysEntered).toBe(1);
    const id = await instanceOf('jt_retention', c);
    const inst = await admin.api.instances.get(id);
    expect(inst.businessKey).toBe(c);
    expect(inst.variables).toMatchObject({ customerId: c, journeyKey: 'jt_retention', variant: expectedVariant('jt_retention', c), event: { product: '三年期定期' } });
    // The first touch is sent, then it waits seven days.
    await until(async () => (await activeAt(id)).includes('wait7'), { what: 'the 7-day wait' });
    expect(await sql('SELECT activity_id, channel, status FROM crm.journey_contacts WHERE instance_id = $1', [id])).toEqual([{ activity_id: 'touch1', channel: 'sms', status: 'sent' }]);
    // The message template is rendered by the campaigns' renderer, as the activator reads the customer.
    const [who] = await sql<{ name: string }>('SELECT name FROM crm_data.customer WHERE id = $1', [c]);
    expect(await sql(`SELECT body FROM crm.marketing_outbox WHERE customer_id = $1 AND source_kind = 'journey'`, [c])).toEqual([{ body: `尊敬的${who!.name}：到期挽留提醒您，存款即将到期` }]);
    await passTime(id);
    await until(async () => (await activeAt(id)).includes('wait30'), { what: 'the branch and the 30-day wait' });
    const branch = expectedVariant('jt_retention', c) === 'A' ? 'touchA' : 'touchB';
    const visited = (await admin.api.instances.get(id)).history.map((h) => h.activityId);
    expect(visited).toContain(branch);
    expect(visited).not.toContain(branch === 'touchA' ? 'touchB' : 'touchA');
    // The goal: a purchase event for this customer ends the journey early.
    expect((await core.api.events.post({ name: 'product_purchased', customerId: c })).correlated).toBe(1);
    const done = await admin.api.instances.get(id);
    expect(done.state).toBe('completed');
    expect(done.history.map((h) => h.activityId)).toContain('goal_converted');
    const stats = await analyst.api.journeys.stats('jt_retention');
    expect(stats).toMatchObject({ entered: 1, active: 0, exited: { goal: 1, end: 0, cancelled: 0 }, contacts: { sent: 2, skipped: {} } });
    expect(stats.paths).toEqual([{ path: expectedVariant('jt_retention', c), entered: 1, goal: 1, conversion: 1 }]);
    expect(stats.steps.find((s) => s.activityId === 'wait7')).toMatchObject({ reached: 1, now: 0, name: '等待7天' });
  });

  it('routes every contact through the contact gates: a customer without marketing consent is skipped, with the reason', async () => {
    const c = unconsenting[0]!;
    expect((await core.api.events.post({ name: 'deposit_maturing', customerId: c })).journeysEntered).toBe(1);
    const id = await instanceOf('jt_retention', c);
    await until(async () => (await activeAt(id)).includes('wait7'), { what: 'the 7-day wait' });
    expect(await sql('SELECT activity_id, channel, status, reason FROM crm.journey_contacts WHERE instance_id = $1', [id])).toEqual([{ activity_id: 'touch1', channel: 'sms', status: 'skipped', reason: 'no_consent' }]);
    expect((await admin.api.instances.get(id)).variables).toMatchObject({ contactStatus: 'skipped', contactReason: 'no_consent' });
    // Nothing queued for them, nothing counted against their caps; the consenting customer's message was queued and counted.
    expect(await count('SELECT count(*) AS n FROM crm.marketing_outbox WHERE customer_id = $1', [c])).toBe(0);
    expect(await count('SELECT count(*) AS n FROM crm.marketing_contacts WHERE customer_id = $1', [c])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM crm.marketing_contacts WHERE customer_id = $1 AND source_kind = 'journey'`, [consenting[0]])).toBe(2);
    expect((await analyst.api.journeys.stats('jt_retention')).contacts.skipped).toMatchObject({ no_consent: 1 });
  });

  it('enters once under the "once" rule, and again only after N days under "after"', async () => {
    const c = unconsenting[1]!;
    expect((await core.api.events.post({ name: 'deposit_maturing', customerId: c })).journeysEntered).toBe(1);
    expect((await core.api.events.post({ name: 'deposit_maturing', customerId: c })).journeysEntered).toBe(0);
    // Two at once: one entry.
    const d = unconsenting[2]!;
    const both = await Promise.all([1, 2].map(() => core.api.events.post({ name: 'deposit_maturing', customerId: d })));
    expect(both.map((b) => b.journeysEntered).sort()).toEqual([0, 1]);
    expect(await count('SELECT count(*) AS n FROM crm.journey_entries WHERE journey_key = $1 AND customer_id = $2', ['jt_retention', d])).toBe(1);

    await analyst.api.journeys.pause('jt_retention');
    const { key: _k, ...rest } = retention();
    await analyst.api.journeys.update('jt_retention', { ...rest, reentry: { mode: 'after', days: 30 } });
    // Paused: nobody enters.
    expect((await core.api.events.post({ name: 'deposit_maturing', customerId: String(customers[7]!.id) })).journeysEntered).toBe(0);
    await analyst.api.journeys.activate('jt_retention');
    expect((await core.api.events.post({ name: 'deposit_maturing', customerId: c })).journeysEntered).toBe(0);
    // 29 days later: still not; 31 days later: again (the entry's time moved back, as a clock would).
    await sql(`UPDATE crm.journey_entries SET entered_at = entered_at - interval '29 days' WHERE journey_key = $1 AND customer_id = $2`, ['jt_retention', c]);
    expect((await core.api.events.post({ name: 'deposit_maturing', customerId: c })).journeysEntered).toBe(0);
    await sql(`UPDATE crm.journey_entries SET entered_at = entered_at - interval '2 days' WHERE journey_key = $1 AND customer_id = $2`, ['jt_retention', c]);
    expect((await core.api.events.post({ name: 'deposit_maturing', customerId: c })).journeysEntered).toBe(1);
    const variants = await sql<{ variant: string }>('SELECT variant FROM crm.journey_entries WHERE journey_key = $1 AND customer_id = $2', ['jt_retention', c]);
    // The second entry lands in the same variant as the first.
    expect(variants.map((v) => v.variant)).toEqual([expectedVariant('jt_retention', c), expectedVariant('jt_retention', c)]);
  });

  it('splits entrants by the percentages, reproducibly per customer', async () => {
    for (const cu of customers.slice(10, 40)) await core.api.events.post({ name: 'deposit_maturing', customerId: String(cu.id) });
    for (const cu of unconsenting.slice(3, 13)) await core.api.events.post({ name: 'deposit_maturing', customerId: cu });
    const rows = await sql<{ customer_id: string; variant: string }>('SELECT customer_id::text AS customer_id, variant FROM crm.journey_entries WHERE journey_key = $1', ['jt_retention']);
    expect(rows.length).toBeGreaterThanOrEqual(30);
    for (const r of rows) expect(r.variant).toBe(expectedVariant('jt_retention', r.customer_id));
    expect(new Set(rows.map((r) => r.variant))).toEqual(new Set(['A', 'B']));
  });

  it('applies the event condition on the payload', async () => {
    await analyst.api.processes.deploy({ bpmnXml: chain('jt_simple', ['<bpmn:startEvent id="s"/>', '<bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>', '<bpmn:endEvent id="e"/>']) });
    await analyst.api.journeys.create({ key: 'jt_outflow', name: '大额流出', processKey: 'jt_simple', entry: { kind: 'event', event: 'large_outflow', condition: 'number(event.amount) >= 500000' } });
    await analyst.api.journeys.activate('jt_outflow');
    expect((await core.api.events.post({ name: 'large_outflow', customerId: String(customers[8]!.id), payload: { amount: '1000.00' } })).journeysEntered).toBe(0);
    expect((await core.api.events.post({ name: 'large_outflow', customerId: String(customers[8]!.id), payload: { amount: '600000.00' } })).journeysEntered).toBe(1);
  });

  it('entered by a record change with a FEEL condition, in the writer\'s transaction', async () => {
    await analyst.api.journeys.create({ key: 'jt_upgrade', name: '升级私行', processKey: 'jt_simple', entry: { kind: 'record', object: 'customer', on: 'updated', condition: 'segment = "private"' }, reentry: { mode: 'once' } });
    await analyst.api.journeys.activate('jt_upgrade');
    const mine = (await rm.api.records.list('customer', { limit: 5 })).items.filter((x) => x.segment !== 'private');
    const a = mine[0]!;
    const b = mine[1]!;
    await rm.api.records.update('customer', String(b.id), { city: '杭州', version: b.version });
    await rm.api.records.update('customer', String(a.id), { segment: 'private', version: a.version });
    const entered = await sql<{ customer_id: string; source: string }>('SELECT customer_id::text AS customer_id, source FROM crm.journey_entries WHERE journey_key = $1', ['jt_upgrade']);
    expect(entered).toEqual([{ customer_id: a.id, source: 'record' }]);
  });

  it('entered by segment: a background job enters every member the starter may see, once, with progress', async () => {
    await security.api.admin.createRole({ key: 'jt_marketer', name: '营销设计', platform: ['designer'], permissions: [{ object: 'customer', actions: ['read'], scope: 'all' }, { object: 'segment', actions: ['create', 'read'], scope: 'all' }] });
    await admin.api.admin.createUser({ username: 'jt_marketer', password: 'Marketer#2026a', roles: ['jt_marketer'] });
    const marketer = client(srv.baseUrl, await login(srv.baseUrl, 'jt_marketer', 'Marketer#2026a'));
    await marketer.api.customers.createSegment({ code: 'jt_corporate', name: '对公客户', filter: { customer_type: 'corporate' } });
    const members = (await marketer.api.records.list('customer', { filter: { customer_type: 'corporate' }, limit: 1, total: true })).total!;
    expect(members).toBeGreaterThan(0);
    await marketer.api.journeys.create({ key: 'jt_segment', name: '对公客群', processKey: 'jt_simple', entry: { kind: 'segment', segment: 'jt_corporate' } });
    // Not active yet; not a segment journey; a designer who may not see the segment.
    expect((await refused(marketer.api.journeys.enter('jt_segment'))).code).toBe('journeys.not_active');
    await marketer.api.journeys.activate('jt_segment');
    expect((await refused(marketer.api.journeys.enter('jt_outflow'))).code).toBe('journeys.not_segment_entry');
    expect((await refused(analyst.api.journeys.enter('jt_segment'))).code).toBe('journeys.segment_not_found');

    const { jobId } = await marketer.api.journeys.enter('jt_segment');
    const job = await until(async () => { const j = await marketer.api.jobs.get(jobId); return j.status === 'done' || j.status === 'failed' ? j : null; }, { what: 'the entry job' });
    expect(job).toMatchObject({ kind: 'journey.enter', status: 'done', progress: { done: members, total: members }, result: { entered: members, members } });
    expect((await marketer.api.journeys.stats('jt_segment')).entered).toBe(members);
    // Again: everybody is in already (re-entry "once"), nobody enters twice.
    const again = await marketer.api.journeys.enter('jt_segment');
    const second = await until(async () => { const j = await marketer.api.jobs.get(again.jobId); return j.status === 'done' ? j : null; }, { what: 'the second entry job' });
    expect(second.result).toEqual({ entered: 0, members });
    expect(await count('SELECT count(*) AS n FROM crm.journey_entries WHERE journey_key = $1', ['jt_segment'])).toBe(members);
  });

  it('an action the activator may not do does not happen: the instance stops with an incident', async () => {
    // The analyst may not write customers: a journey they activated cannot change one.
    await analyst.api.processes.deploy({ bpmnXml: chain('jt_write', [
      '<bpmn:startEvent id="s"/>',
      '<bpmn:serviceTask id="setSeg" crm:type="journey.update-field"><bpmn:extensionElements><crm:ioMapping><crm:input source="=&quot;segment&quot;" target="field"/><crm:input source="=&quot;private&quot;" target="value"/></crm:ioMapping></bpmn:extensionElements></bpmn:serviceTask>',
      '<bpmn:endEvent id="e"/>',
    ]) });
    await analyst.api.journeys.create({ key: 'jt_write', name: '改字段', processKey: 'jt_write', entry: { kind: 'event', event: 'complaint_closed' } });
    await analyst.api.journeys.activate('jt_write');
    const target = customers.find((x) => x.segment !== 'private')!;
    await core.api.events.post({ name: 'complaint_closed', customerId: String(target.id) });
    const id = await instanceOf('jt_write', String(target.id));
    await until(async () => (await admin.api.instances.get(id)).state === 'incident', { what: 'the refused write to become an incident' });
    expect((await core.api.records.get('customer', String(target.id))).segment).toBe(target.segment);
  });
});

describe('the bank pack\'s journeys', () => {
  it('are installed and active, and the demo bank has customers in them', async () => {
    const list = await analyst.api.journeys.list();
    expect(list.filter((j) => j.key.startsWith('bank_')).map((j) => [j.key, j.name, j.status])).toEqual([
      ['bank_maturity_retention', '理财产品到期挽留', 'active'],
      ['bank_onboarding_30d', '新客户30天旅程', 'active'],
    ]);
    for (const key of ['bank_maturity_retention', 'bank_onboarding_30d']) {
      const s = await analyst.api.journeys.stats(key);
      // 20 demo entries each; the onboarding journey also has the customers created by the tests above.
      if (key === 'bank_maturity_retention') expect(s.entered).toBe(20);
      else expect(s.entered).toBeGreaterThanOrEqual(20);
      expect(s.exited.goal).toBeGreaterThan(0);
      expect(s.exited.goal).toBeLessThan(20);
    }
    // The retention journey's first step is a contact task for each customer's manager.
    const s = await until(async () => {
      const x = await analyst.api.journeys.stats('bank_maturity_retention');
      const done = x.contacts.sent + Object.values(x.contacts.skipped).reduce((a, b) => a + b, 0);
      return done >= 20 - x.exited.goal ? x : null;
    }, { what: 'the contact tasks of the retention journey' });
    expect(s.paths.map((p) => p.path).sort()).toEqual(['A', 'B']);
    expect(s.steps.find((x) => x.activityId === 'wait7')?.now).toBeGreaterThan(0);
  });

  it('「新客户30天旅程」: a new individual customer enters; without marketing consent each touch is skipped, with the reason', async () => {
    const created = await rm.api.records.create('customer', { customer_type: 'individual', name: '新开户客户' });
    const id = await instanceOf('bank_onboarding_30d', String(created.id));
    await until(async () => (await activeAt(id)).includes('day7'), { what: 'the day-7 wait' });
    // Day 7: the visit task is a contact too.
    await passTime(id);
    await until(async () => (await activeAt(id)).includes('day30'), { what: 'the day-30 wait' });
    expect(await sql('SELECT activity_id, channel, status, reason FROM crm.journey_contacts WHERE instance_id = $1 ORDER BY id', [id])).toEqual([
      { activity_id: 'welcome', channel: 'sms', status: 'skipped', reason: 'no_consent' },
      { activity_id: 'rmVisit', channel: 'task', status: 'skipped', reason: 'no_consent' },
    ]);
    expect(await count(`SELECT count(*) AS n FROM crm.wf_instances WHERE definition_key = 'bank_journey_call' AND business_key = $1`, [created.id])).toBe(0);
  });

  it('「理财产品到期挽留」: the customer\'s manager gets the call task; a reinvestment ends the journey at its goal', async () => {
    const c = consenting[1]!;
    expect((await core.api.events.post({ name: 'product_maturing', customerId: c, payload: { product: '稳盈90天' } })).journeysEntered).toBe(1);
    const id = await instanceOf('bank_maturity_retention', c);
    const task = await until(async () => (await sql<{ assignee: string; name: string }>(
      `SELECT t.assignee, t.name FROM crm.wf_tasks t JOIN crm.wf_instances i ON i.id = t.instance_id WHERE i.definition_key = 'bank_journey_call' AND i.business_key = $1`, [c]))[0], { what: 'the call task' });
    const owner = (await sql<{ username: string }>('SELECT u.username FROM crm_data.customer c JOIN crm.users u ON u.id = c.owner_id WHERE c.id = $1', [c]))[0]!.username;
    expect(task).toEqual({ assignee: owner, name: '联系客户' });
    await until(async () => (await activeAt(id)).includes('wait7'), { what: 'the 7-day wait' });
    expect((await core.api.events.post({ name: 'product_reinvested', customerId: c })).correlated).toBe(1);
    const done = await admin.api.instances.get(id);
    expect([done.state, done.history.some((h) => h.activityId === 'goal_converted')]).toEqual(['completed', true]);
  });
});
