/**
 * Global search, the notification centre and the decision-table routes (issue 19). Search answers
 * only what the caller may read: a customer manager finds their team's customers and not another
 * province's, a full ID or mobile number is matched through its keyed hash only for a caller who
 * reads it in clear, masked values never appear. Notifications reach the user they are for — over a
 * real Server-Sent Events connection opened with a single-use ticket — and nobody else.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventSource } from 'eventsource';
import { DecisionDetailSchema, NotificationPageSchema, SearchResultSchema, StreamTicketSchema, type RecordData, type SearchResult } from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';
import { as, call, login, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';

type Client = Awaited<ReturnType<typeof as>>;

let srv: TestServer;
let rm: Client, manager: Client, analyst: Client, compliance: Client;
let mine: RecordData;
let foreign: RecordData;
let clear: RecordData;

const hits = (r: SearchResult) => r.groups.flatMap((g) => g.items.map((i) => ({ ...i, object: g.object })));

const ASSIGNED = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" id="D" targetNamespace="t">
<bpmn:process id="notify_probe" name="通知测试" isExecutable="true">
  <bpmn:startEvent id="s"/>
  <bpmn:userTask id="visit" name="回访核实客户资料" crm:assignee="rm" crm:dueDate="=&quot;PT30M&quot;"/>
  <bpmn:endEvent id="e"/>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="visit"/><bpmn:sequenceFlow id="f2" sourceRef="visit" targetRef="e"/>
</bpmn:process></bpmn:definitions>`;

const DMN = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="fee_defs" name="费率" namespace="urn:test">
  <decision id="feeRate" name="手续费率">
    <decisionTable id="dt" hitPolicy="FIRST">
      <input id="i1" label="金额"><inputExpression id="ie1" typeRef="number"><text>amount</text></inputExpression></input>
      <output id="o1" name="rate" typeRef="string"/>
      <rule id="r1"><inputEntry id="e1"><text>&gt;= 10000</text></inputEntry><outputEntry id="x1"><text>"0.001"</text></outputEntry></rule>
      <rule id="r2"><inputEntry id="e2"><text>-</text></inputEntry><outputEntry id="x2"><text>"0.002"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>`;

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '200' }, timeoutMs: 120000 });
  [rm, manager, analyst, compliance] = await Promise.all(['rm', 'manager', 'analyst', 'compliance'].map((u) => as(srv.baseUrl, u)));
  const me = await rm.api.me();
  mine = (await rm.api.records.query('customer', { filter: { owner_id: me.id, customer_type: 'individual' }, limit: 1 })).items[0]!;
  foreign = (await compliance.api.records.query('customer', { filter: { province: '浙江省' }, limit: 1 })).items[0]!;
  expect(mine && foreign).toBeTruthy();
  expect((await refused(rm.api.records.get('customer', foreign.id))).status).toBe(404);
  // The compliance officer reads identifiers in clear (and that read is audited).
  clear = await compliance.api.records.get('customer', mine.id);
  expect(String(clear.id_number)).toMatch(/^\d{17}[\dX]$/);
}, 150000);

afterAll(async () => {
  await srv?.stop();
});

describe('global search', () => {
  it('finds the customer manager\'s own customers by name and customer number, never another team\'s', async () => {
    const byName = await rm.api.search({ q: String(mine.name) });
    // The answer is exactly the shared contract (strict schema).
    expect(SearchResultSchema.parse(byName)).toEqual(byName);
    expect(hits(byName)).toContainEqual(expect.objectContaining({ object: 'customer', id: mine.id, title: mine.name, match: 'title' }));
    const byNumber = await rm.api.search({ q: String(mine.customer_no) });
    expect(hits(byNumber)).toContainEqual(expect.objectContaining({ object: 'customer', id: mine.id, subtitle: mine.customer_no, match: 'number' }));
    // Another province's customer: not by name, not by number — its id never appears.
    for (const q of [String(foreign.name), String(foreign.customer_no)]) {
      expect(JSON.stringify(await rm.api.search({ q }))).not.toContain(foreign.id);
    }
    expect(hits(await compliance.api.search({ q: String(foreign.customer_no) }))).toContainEqual(expect.objectContaining({ id: foreign.id }));
  });

  it('matches a full ID or mobile number only for a caller who reads it in clear; masked values stay masked', async () => {
    const idNumber = String(clear.id_number);
    const mobile = String(clear.mobile);
    expect(hits(await compliance.api.search({ q: idNumber }))).toContainEqual(expect.objectContaining({ object: 'customer', id: mine.id, match: 'identifier' }));
    expect(hits(await compliance.api.search({ q: `+86 ${mobile}` }))).toContainEqual(expect.objectContaining({ id: mine.id, match: 'identifier' }));
    // The customer manager sees both masked: their own customer is not found by either number.
    for (const q of [idNumber, mobile]) {
      const answer = await rm.api.search({ q });
      expect(hits(answer).map((h) => h.id)).not.toContain(mine.id);
    }
    // Nothing the caller sees masked leaves the server in clear, whatever they search for.
    const answer = JSON.stringify(await rm.api.search({ q: String(mine.name) }));
    expect(answer).not.toContain(idNumber);
    expect(answer).not.toContain(mobile);
  });

  it('is bounded: at most `limit` hits per group, limit ≤ 20, a query is required', async () => {
    // Every customer number shares its prefix: far more than two match.
    const prefix = String(mine.customer_no).slice(0, 3);
    const few = await compliance.api.search({ q: prefix, limit: 2 });
    expect(few.groups.find((g) => g.object === 'customer')?.items).toHaveLength(2);
    for (const g of few.groups) expect(g.items.length).toBeLessThanOrEqual(2);
    expect((await compliance.api.search({ q: prefix, limit: 20 })).groups.find((g) => g.object === 'customer')?.items).toHaveLength(20);
    expect((await refused(compliance.api.search({ q: '张', limit: 21 }))).status).toBe(400);
    expect((await refused(compliance.api.search({ q: '   ' }))).status).toBe(400);
    expect((await refused(compliance.api.search({ q: 'x'.repeat(101) }))).status).toBe(400);
    // A filter operator typed as text is only text.
    expect(hits(await compliance.api.search({ q: '{"$ne":null}' }))).toEqual([]);
  });
});

describe('notification centre', () => {
  it('pushes a new task to its assignee over the stream; the ticket opens one stream only', async () => {
    await analyst.api.processes.deploy({ bpmnXml: ASSIGNED });
    const issued = await rm.api.notifications.streamTicket();
    expect(StreamTicketSchema.parse(issued)).toEqual(issued);
    const { ticket } = issued;
    const events: { type: string; data: any }[] = [];
    const es = new EventSource(`${srv.baseUrl}/api/notifications/stream?ticket=${encodeURIComponent(ticket)}`);
    try {
      for (const type of ['ready', 'notification']) es.addEventListener(type, (e) => events.push({ type, data: JSON.parse(e.data) }));
      await until(() => events.some((e) => e.type === 'ready'), 20000);
      // Used once: the same ticket opens nothing more.
      expect((await call(srv.baseUrl, 'GET', `/api/notifications/stream?ticket=${encodeURIComponent(ticket)}`)).status).toBe(401);
      const started = await analyst.api.processes.start('notify_probe', {});
      const pushed = await until(() => events.find((e) => e.type === 'notification' && e.data.kind === 'task.assigned' && e.data.title === '回访核实客户资料'), 20000);
      expect(pushed.data.unread).toBeGreaterThan(0);
      const task = (await rm.api.tasks.list('mine')).items.find((t) => t.processInstanceId === started.id)!;
      expect(pushed.data.ref).toBe(task.id);
    } finally {
      es.close();
    }
  });

  it('refuses an expired, unknown or missing ticket, and the access token itself', async () => {
    const { ticket } = await rm.api.notifications.streamTicket();
    await withClient(srv.dbUrl, (c) => c.query(`UPDATE crm.notification_tickets SET expires_at = now() - interval '1 second'`));
    const open = (q: string) => call(srv.baseUrl, 'GET', `/api/notifications/stream${q}`);
    expect((await open(`?ticket=${encodeURIComponent(ticket)}`)).status).toBe(401);
    expect((await open(`?ticket=${'A'.repeat(43)}`)).status).toBe(401);
    expect((await open('')).status).toBe(400);
    const token = await login(srv.baseUrl, 'rm');
    expect([400, 401]).toContain((await open(`?ticket=${encodeURIComponent(token)}`)).status);
    // Asking for a ticket needs a session.
    expect((await call(srv.baseUrl, 'POST', '/api/notifications/stream-ticket', { body: {} })).status).toBe(401);
  });

  it('keeps each user\'s notifications to themselves; read marks count down', async () => {
    const page = await until(async () => {
      const p = await rm.api.notifications.list();
      return p.items.some((n) => n.title === '回访核实客户资料') && p;
    });
    const n = page.items.find((x) => x.title === '回访核实客户资料')!;
    expect(NotificationPageSchema.parse(page)).toEqual(page);
    // The task's due time (30 minutes after it was created) rides along.
    expect(n).toMatchObject({ kind: 'task.assigned', dueAt: expect.any(String), readAt: null });
    expect(page.unread).toBeGreaterThan(0);
    // The manager sees none of them and cannot mark them (answered as missing).
    expect(JSON.stringify(await manager.api.notifications.list({ limit: 100 }))).not.toContain(n.id);
    expect((await refused(manager.api.notifications.read(n.id))).status).toBe(404);
    expect((await rm.api.notifications.list()).items.find((x) => x.id === n.id)!.readAt).toBeNull();
    const after = await rm.api.notifications.read(n.id);
    expect(after.unread).toBe(page.unread - 1);
    expect((await refused(rm.api.notifications.read('not-an-id'))).status).toBe(404);
    expect(await rm.api.notifications.readAll()).toEqual({ unread: 0 });
    expect((await rm.api.notifications.list({ unread: '1' })).items).toEqual([]);
  });

  it('tells a job\'s starter that it finished, and nobody else', async () => {
    const rmId = (await rm.api.me()).id;
    const jobId = await withClient(srv.dbUrl, async (c) => {
      const { rows } = await c.query<{ id: string }>(`INSERT INTO crm.jobs (kind, status, created_by) VALUES ('test.count', 'running', $1) RETURNING id`, [rmId]);
      await c.query(`UPDATE crm.jobs SET status = 'done', finished_at = now() WHERE id = $1`, [rows[0]!.id]);
      return rows[0]!.id;
    });
    const n = await until(async () => (await rm.api.notifications.list()).items.find((x) => x.ref === jobId));
    expect(n).toMatchObject({ kind: 'job.done', title: 'test.count', readAt: null });
    expect(JSON.stringify(await manager.api.notifications.list({ limit: 100 }))).not.toContain(jobId);
  });
});

describe('decision definitions', () => {
  it('lists decision tables, opens the latest XML for designers, evaluates', async () => {
    expect(await analyst.api.decisions.deploy(DMN)).toMatchObject({ key: 'feeRate', version: 1 });
    expect(await analyst.api.decisions.list()).toContainEqual(expect.objectContaining({ key: 'feeRate', version: 1, decisions: ['feeRate'] }));
    const one = await analyst.api.decisions.get('feeRate');
    expect(DecisionDetailSchema.parse(one)).toEqual(one);
    expect(one).toMatchObject({ key: 'feeRate', version: 1 });
    expect(one.xml).toContain('手续费率');
    expect(await analyst.api.decisions.evaluate('feeRate', { amount: 20000 })).toEqual({ result: '0.001' });
    expect((await refused(rm.api.decisions.get('feeRate'))).status).toBe(403);
    expect((await refused(analyst.api.decisions.get('no_such_decision'))).status).toBe(404);
  });
});
