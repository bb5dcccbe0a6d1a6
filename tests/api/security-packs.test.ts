/**
 * Issue 20, items 4, 7 and 8, attacked as a malicious insider would on the demo bank:
 * - a designer re-installing the bank pack must not undo the security administrator's narrowing of a role;
 * - an export filtered by an ID number, or a segment naming one, must not leave that number readable
 *   in the audit trail or the segment definition;
 * - FEEL must be bounded: a loop too big is refused when saved, a data-dependent overrun fails only
 *   its own evaluation, quickly, and the server keeps answering.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import { as, call, client } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { chain } from './workflow-bpmn.js';

type Client = ReturnType<typeof client>;

let srv: TestServer;
let admin: Client, security: Client, analyst: Client, manager: Client, rm: Client, compliance: Client, auditor: Client;

const HUGE_LOOP = 'every i in 1..1000, j in 1..1500 satisfies i > 0';

beforeAll(async () => {
  srv = await startServer({
    env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '40', CRM_BANK_JOBS_MS: '0' },
    timeoutMs: 120000,
  });
  [admin, security, analyst, manager, rm, compliance, auditor] = await Promise.all(
    ['admin', 'security', 'analyst', 'manager', 'rm', 'compliance', 'auditor'].map((u) => as(srv.baseUrl, u)),
  );
}, 150000);

afterAll(async () => {
  await srv?.stop();
});

const db = <T>(fn: (c: import('pg').Client) => Promise<T>) => withClient(srv.dbUrl, fn);

async function auditItems(action: string): Promise<any[]> {
  const r = await auditor.get(`/api/audit?action=${encodeURIComponent(action)}&limit=50`);
  expect(r.status).toBe(200);
  return r.body.items;
}

/** An individual demo customer with an ID number, read in clear by compliance. */
async function customerWithIdNumber(skip = 0): Promise<{ id: string; id_number: string }> {
  const r = await compliance.post('/api/records/customer/query', { filter: { customer_type: 'individual', id_number: { $null: false } }, limit: skip + 1, sort: 'created_at' });
  expect(r.status).toBe(200);
  const c = r.body.items[skip];
  expect(c.id_number).toMatch(/^\d{17}[\dX]$/);
  return c;
}

describe('item 4: a pack upgrade never changes an existing role', () => {
  it('keeps the security administrator\'s narrowing of rm, reports the difference and audits it', async () => {
    const before = (await security.get('/api/admin/roles/rm')).body;
    const packCustomer = before.permissions.find((p: any) => p.object === 'customer');
    expect(packCustomer.scope).toBe('team');
    const narrowed = { ...packCustomer, scope: 'own', fields: { ...packCustomer.fields, birth_date: 'none' } };
    const permissions = before.permissions.map((p: any) => (p === packCustomer ? narrowed : p));
    expect((await security.patch('/api/admin/roles/rm', { permissions })).status).toBe(200);
    const narrowedView = await rm.get('/api/records/customer?limit=500&total=true');
    expect(narrowedView.status).toBe(200);
    const me = (await rm.get('/api/auth/me')).body;
    expect(narrowedView.body.items.every((c: any) => c.owner_id === me.id && !('birth_date' in c))).toBe(true);

    const r = await analyst.post('/api/templates/bank-crm/install');
    expect(r.status).toBe(201);
    expect(r.body.changes.filter((c: string) => c.startsWith('role '))).toEqual([]);
    const diff = r.body.roleDifferences.find((d: any) => d.role === 'rm');
    expect(diff).toEqual({ role: 'rm', added: [packCustomer], removed: [narrowed], platformAdded: [] });

    // The role is exactly as the security administrator left it, and so is what rm sees.
    expect((await security.get('/api/admin/roles/rm')).body.permissions).toEqual(permissions);
    const after = await rm.get('/api/records/customer?limit=500&total=true');
    expect(after.body.total).toBe(narrowedView.body.total);
    expect(after.body.items.some((c: any) => 'birth_date' in c)).toBe(false);

    // The finding is in the audit trail for the security administrator (and the auditor) to act on.
    const entry = (await auditItems('template.install'))[0];
    expect(entry.actorName).toBe('analyst');
    expect(entry.data.roleDifferences).toEqual(expect.arrayContaining([expect.objectContaining({ role: 'rm', removed: [narrowed] })]));

    // Installing again reports the same difference and still changes nothing.
    const again = await analyst.post('/api/templates/bank-crm/install');
    expect(again.body).toMatchObject({ changed: false, changes: [] });
    expect(again.body.roleDifferences).toEqual(r.body.roleDifferences);
    expect((await security.get('/api/admin/roles/rm')).body.permissions).toEqual(permissions);
  });

  it('the security administrator, and only they, applies a reported difference', async () => {
    const narrowed = (await security.get('/api/admin/roles/rm')).body.permissions;
    const body = { roles: ['rm'] };
    for (const c of [analyst, admin, rm, auditor]) expect((await c.post('/api/templates/bank-crm/roles/apply', body)).status).toBe(403);
    expect((await security.post('/api/templates/bank-crm/roles/apply', { roles: ['nobody'] })).status).toBe(400);
    expect((await security.post('/api/templates/bank-crm/roles/apply', { roles: [] })).status).toBe(400);
    expect((await security.get('/api/admin/roles/rm')).body.permissions).toEqual(narrowed);
    const r = await security.post('/api/templates/bank-crm/roles/apply', body);
    expect(r.status).toBe(201);
    expect(r.body.applied).toEqual(['rm']);
    expect(r.body.roleDifferences.find((d: any) => d.role === 'rm')).toBeUndefined();
    expect((await security.get('/api/admin/roles/rm')).body.permissions.find((p: any) => p.object === 'customer').scope).toBe('team');
    const entry = (await auditItems('admin.role.update'))[0];
    expect([entry.actorName, entry.recordId]).toEqual(['security', 'rm']);
  });

  it('does not take back platform rights nor restore a withdrawn permission', async () => {
    const mgr = (await security.get('/api/admin/roles/manager')).body;
    const withoutSegments = mgr.permissions.filter((p: any) => p.object !== 'segment');
    expect((await security.patch('/api/admin/roles/manager', { permissions: withoutSegments, platform: [] })).status).toBe(200);
    const r = await analyst.post('/api/templates/bank-crm/install');
    expect(r.status).toBe(201);
    const diff = r.body.roleDifferences.find((d: any) => d.role === 'manager');
    expect(diff.platformAdded).toEqual(['process.start']);
    expect(diff.added).toEqual([mgr.permissions.find((p: any) => p.object === 'segment')]);
    const now = (await security.get('/api/admin/roles/manager')).body;
    expect(now.permissions).toEqual(withoutSegments);
    expect(now.platform).toEqual([]);
    expect((await manager.get('/api/records/segment')).status).toBe(403);
    // Put the manager back for the tests below.
    expect((await security.patch('/api/admin/roles/manager', { permissions: mgr.permissions, platform: mgr.platform })).status).toBe(200);
  });

  it('only the designer right installs, and installing grants the installer (or anyone) nothing', async () => {
    for (const c of [admin, security, manager, rm, compliance, auditor]) {
      const r = await c.post('/api/templates/bank-crm/install');
      expect(r.status).toBe(403);
    }
    // A role the pack lacks is created again, held by nobody; the installer's own rights do not change.
    const holders = () => db(async (c) => (await c.query(`SELECT username, roles FROM crm.users ORDER BY username`)).rows);
    const usersBefore = await holders();
    const meBefore = (await analyst.get('/api/auth/me')).body;
    await db((c) => c.query(`DELETE FROM crm.roles WHERE key = 'credit_approver'`));
    const r = await analyst.post('/api/templates/bank-crm/install');
    expect(r.status).toBe(201);
    expect(r.body.changes).toContain('role credit_approver');
    expect(await holders()).toEqual(usersBefore);
    const meAfter = (await analyst.get('/api/auth/me')).body;
    expect(meAfter.roles).toEqual(meBefore.roles);
    expect(meAfter).toEqual(meBefore);
  });

  it('never lowers a field\'s sensitivity raised after the install', async () => {
    expect((await analyst.patch('/api/meta/objects/customer/fields/id_number', { sensitivity: 4 })).status).toBe(200);
    expect((await analyst.post('/api/templates/bank-crm/install')).status).toBe(201);
    const o = (await analyst.get('/api/meta/objects/customer')).body;
    expect(o.fields.find((f: any) => f.key === 'id_number').sensitivity).toBe(4);
  });
});

describe('item 7: sensitive filter values are kept only as keyed hashes or masked', () => {
  it('an export filtered by an ID number selects the right customer, and the auditor never reads the number', async () => {
    const target = await customerWithIdNumber();
    const other = await customerWithIdNumber(1);
    const exp = await call(srv.baseUrl, 'GET', `/api/records/customer/export?format=csv&filter=${encodeURIComponent(JSON.stringify({ id_number: target.id_number }))}`, {
      token: await tokenOf('compliance'),
    });
    expect(exp.status).toBe(200);
    const csv = String(exp.body);
    expect(csv).toContain(target.id);
    expect(csv).not.toContain(other.id);
    const list = await call(srv.baseUrl, 'GET', `/api/records/customer/export?format=csv&filter=${encodeURIComponent(JSON.stringify({ $or: [{ id_number: { $in: [target.id_number, other.id_number] } }] }))}`, {
      token: await tokenOf('compliance'),
    });
    expect(String(list.body)).toContain(other.id);

    const entries = await auditItems('record.export');
    expect(entries.length).toBeGreaterThanOrEqual(2);
    const text = JSON.stringify(entries);
    expect(text).not.toContain(target.id_number);
    expect(text).not.toContain(other.id_number);
    expect(text).not.toContain(target.id_number.slice(6, 14)); // not even the birth date inside it
    // The auditor sees that an ID number was the filter, masked.
    const single = entries.find((e: any) => e.data.filter && 'id_number' in e.data.filter);
    expect(single.data.filter.id_number.$eq).toEqual(expect.any(String));
    expect(single.data.filter.id_number.$eq).toContain('*');
    // Stored that way too: nowhere in the trail, whoever reads it, is the clear value.
    const stored = await db(async (c) => (await c.query(`SELECT data FROM crm.audit_log WHERE action = 'record.export'`)).rows.map((r) => r.data));
    expect(JSON.stringify(stored)).not.toContain(target.id_number);
    expect(stored.some((d: any) => /^[0-9a-f]{64}$/.test(d.filter?.id_number?.$eq?.$hash ?? ''))).toBe(true);
  });

  it('a segment naming an ID number is stored hashed, still selects that customer, and rm sees it masked', async () => {
    const target = await customerWithIdNumber(2);
    const created = await compliance.post('/api/segments', { code: 'watch_one', name: '关注客户', filter: { id_number: target.id_number } });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body)).not.toContain(target.id_number);

    const row = await db(async (c) => (await c.query(`SELECT filter::text AS f FROM crm_data.segment WHERE code = 'watch_one'`)).rows[0].f as string);
    expect(row).not.toContain(target.id_number);
    expect(row).toMatch(/"\$hash": "[0-9a-f]{64}"/);

    const members = await compliance.get('/api/segments/watch_one/members');
    expect(members.status).toBe(200);
    expect(members.body.items.map((x: any) => x.id)).toEqual([target.id]);
    expect((await compliance.get('/api/segments/watch_one')).body.count).toBe(1);

    const seen = await rm.get('/api/segments/watch_one');
    expect(seen.status).toBe(200);
    expect(JSON.stringify(seen.body)).not.toContain(target.id_number);
    expect(JSON.stringify(seen.body)).not.toContain('$hash');
    expect(seen.body.filter.id_number.$eq).toMatch(/\*/);
    const listed = (await rm.get('/api/segments')).body.items.find((s: any) => s.code === 'watch_one');
    expect(JSON.stringify(listed)).not.toContain(target.id_number);
    const raw = await rm.get(`/api/records/segment/${created.body.id}`);
    expect(JSON.stringify(raw.body)).not.toContain(target.id_number);

    // Changing the filter keeps the rule; a stale version is refused.
    const other = await customerWithIdNumber(3);
    const changed = await compliance.patch('/api/segments/watch_one', { version: created.body.version, filter: { id_number: { $in: [target.id_number, other.id_number] } } });
    expect(changed.status).toBe(200);
    expect((await compliance.patch('/api/segments/watch_one', { version: created.body.version, name: 'x' })).status).toBe(409);
    const both = await compliance.get('/api/segments/watch_one/members');
    expect(both.body.items.map((x: any) => x.id).sort()).toEqual([target.id, other.id].sort());

    // Nothing in the audit trail holds either number.
    const leaked = await db(async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm.audit_log WHERE data::text LIKE $1 OR data::text LIKE $2`, [`%${target.id_number}%`, `%${other.id_number}%`])).rows[0].n);
    expect(leaked).toBe(0);
  });

  it('refuses a clear sensitive value on the generic records path, and those who may not filter by it', async () => {
    const target = await customerWithIdNumber(4);
    const count = () => db(async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm_data.segment`)).rows[0].n);
    const before = await count();
    for (const filter of [{ id_number: target.id_number }, { id_number: { $in: [target.id_number] } }, { $or: [{ risk_level: 'high' }, { $not: { mobile: '13800138000' } }] }, { id_number: { $like: '310%' } }]) {
      const r = await compliance.post('/api/records/segment', { code: 'sneaky', name: 'x', filter });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('customers.segment_clear_secret');
      expect(r.body.error.message).toContain('敏感');
    }
    expect(await count()).toBe(before);
    // A manager may save segments but may not filter by ID numbers: neither may their segment.
    const m = await manager.post('/api/segments', { code: 'mgr_guess', name: 'x', filter: { id_number: target.id_number } });
    expect(m.status).toBe(400);
    expect(JSON.stringify(m.body)).not.toContain(target.id_number);
    expect((await rm.post('/api/segments', { code: 'rm_seg', name: 'x', filter: { risk_level: 'high' } })).status).toBe(403);
    expect((await compliance.post('/api/segments', { code: 'Bad Code', name: 'x', filter: {} })).status).toBe(400);
    expect((await compliance.post('/api/segments', { code: 'extra', name: 'x', filter: { risk_level: 'high' }, owner_id: 'x' })).status).toBe(400);
    expect(await count()).toBe(before);
    // A hash taken from a segment is no key for someone who may not filter by the field.
    const stored = await db(async (c) => (await c.query(`SELECT filter FROM crm_data.segment WHERE code = 'watch_one'`)).rows[0].filter);
    const hashed = stored.id_number.$eq ?? stored.id_number.$in[0];
    const probe = await rm.post('/api/records/customer/query', { filter: { id_number: { $eq: hashed } } });
    expect(probe.status).toBe(400);
    // And a caller cannot pass extra keys off as a hash.
    const forged = await compliance.post('/api/records/customer/query', { filter: { id_number: { $eq: { ...hashed, extra: 1 } } } });
    expect(forged.status).toBe(400);
  });
});

describe('item 8: bounded FEEL', () => {
  it('refuses at save time, with a Chinese message, a loop too big wherever FEEL is kept for later runs', async () => {
    const tag = await compliance.post('/api/records/customer_tag', { code: 'loop', name: '循环', kind: 'rule', rule: HUGE_LOOP });
    expect(tag.status).toBe(400);
    expect(tag.body.error.code).toBe('customers.rule_invalid');
    expect(tag.body.error.message).toContain('超过上限 100000 次');
    const en = await call(srv.baseUrl, 'POST', '/api/records/customer_tag', { token: await tokenOf('compliance'), body: { code: 'loop', name: 'x', kind: 'rule', rule: HUGE_LOOP }, headers: { 'accept-language': 'en' } });
    expect(en.body.error.message).toContain('more than the limit of 100000');
    // A regular expression that could backtrack without end cannot be interrupted by any budget: refused.
    const redos = await compliance.post('/api/records/customer_tag', { code: 'redos', name: 'x', kind: 'rule', rule: 'matches(name, "^(a+)+$")' });
    expect(redos.status).toBe(400);
    expect(redos.body.error.message).toContain('可能无限回溯');
    // Names a rule may not read: unknown ones (they would silently be null) and encrypted fields.
    for (const rule of ['foo > 1', 'id_number = "310101199001011234"']) {
      const r = await compliance.post('/api/records/customer_tag', { code: 'bad_names', name: 'x', kind: 'rule', rule });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('customers.rule_invalid');
    }
    expect((await compliance.get('/api/records/customer_tag?filter=' + encodeURIComponent(JSON.stringify({ code: { $in: ['loop', 'bad_names'] } })))).body.items).toEqual([]);

    const obj = await analyst.post('/api/meta/objects', { key: 'budget_probe', label: '预算', fields: [{ key: 'n', label: 'n', type: 'integer' }] });
    expect(obj.status).toBe(201);
    const computed = await analyst.post('/api/meta/objects/budget_probe/fields', { key: 'c', label: 'c', type: 'computed', options: { expression: HUGE_LOOP } });
    expect(computed.status).toBe(400);
    expect(JSON.stringify(computed.body)).toContain('超过上限');
    const form = await analyst.post('/api/meta/forms', { key: 'budget_form', object: 'budget_probe', title: 'x', layout: [{ field: 'n' }], rules: [{ when: HUGE_LOOP, require: ['n'] }] });
    expect(form.status).toBe(400);
    expect(JSON.stringify(form.body)).toContain('过于复杂');
    const bpmn = chain('budget_flow', ['<bpmn:startEvent id="s"/>', '<bpmn:exclusiveGateway id="g" default="d"/>', '<bpmn:endEvent id="e"/>'])
      .replace('</bpmn:process>', `<bpmn:endEvent id="e2"/><bpmn:endEvent id="d"/><bpmn:sequenceFlow id="c1" sourceRef="g" targetRef="e2"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=${HUGE_LOOP}</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:sequenceFlow id="c2" sourceRef="g" targetRef="d"/></bpmn:process>`);
    const deploy = await analyst.post('/api/process-definitions', { bpmnXml: bpmn });
    expect(deploy.status).toBe(400);
    expect(deploy.body.error.message).toContain('超过上限');
    const dmn = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="loopyDefs" name="Loopy" namespace="urn:test">
  <decision id="loopy" name="循环"><decisionTable id="dt" hitPolicy="FIRST">
    <input id="i1"><inputExpression id="ie1" typeRef="number"><text>amount</text></inputExpression></input>
    <output id="o1" name="ok" typeRef="boolean"/>
    <rule id="r1"><inputEntry id="e1"><text>-</text></inputEntry><outputEntry id="x1"><text>${HUGE_LOOP}</text></outputEntry></rule>
  </decisionTable></decision>
</definitions>`;
    const decision = await analyst.post('/api/decision-definitions', { dmnXml: dmn });
    expect(decision.status).toBe(400);
    expect(JSON.stringify(decision.body)).toContain('超过上限');
    const trigger = await analyst.post('/api/process-triggers', { processKey: 'bank_complaint', object: 'budget_probe', on: 'created', condition: HUGE_LOOP });
    expect(trigger.status).toBe(400);
    expect(trigger.body.error.message).toContain('超过上限');
    // The same shapes within the budget are fine.
    expect((await analyst.post('/api/meta/objects/budget_probe/fields', { key: 'c', label: 'c', type: 'computed', options: { expression: 'count(for i in 1..n return i)' } })).status).toBe(201);
  });

  it('a run-time overrun fails that write only, quickly, while /api/health stays fast', async () => {
    // The computed field above loops n times: a record with a huge n is refused (400), not computed for minutes.
    const slowest = await healthDuring(() => analyst.post('/api/records/budget_probe', { n: 50_000_000 }));
    expect(slowest.result.status).toBe(400);
    expect(slowest.result.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'feel_budget' })]));
    expect(slowest.writeMs).toBeLessThan(5000);
    expect(slowest.healthMs).toBeLessThan(1000);
    expect((await analyst.post('/api/records/budget_probe', { n: 3 })).body.c).toBe(3);
    expect(await db(async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm_data.budget_probe`)).rows[0].n)).toBe(1);

    // A rule tag whose size depends on the customer: fine at save, stopped when a customer makes it huge.
    expect((await analyst.post('/api/meta/objects/customer/fields', { key: 'staff_count', label: '员工数', type: 'integer' })).status).toBe(201);
    const big = await analyst.post('/api/records/customer', { customer_type: 'corporate', name: '大型企业', staff_count: 40_000_000 });
    expect(big.status).toBe(201);
    const tag = await compliance.post('/api/records/customer_tag', { code: 'staff_loop', name: '员工', kind: 'rule', rule: 'count(for i in 1..staff_count return i) > 10' });
    expect(tag.status).toBe(201);
    const write = await healthDuring(() => analyst.post('/api/records/customer', { customer_type: 'corporate', name: '另一家', staff_count: 50_000_000 }));
    expect(write.result.status).toBe(400);
    expect(write.result.body.error.code).toBe('customers.rule_budget');
    expect(write.result.body.error.message).toContain('staff_loop');
    expect(write.writeMs).toBeLessThan(5000);
    expect(write.healthMs).toBeLessThan(1000);
    const small = await analyst.post('/api/records/customer', { customer_type: 'corporate', name: '小企业', staff_count: 20 });
    expect(small.status).toBe(201);
    expect(small.body.rule_tags ?? (await analyst.get(`/api/records/customer/${small.body.id}`)).body.rule_tags).toContain('staff_loop');

    // The hourly job: records the failing tag, keeps what it said before, and computes the others.
    const run = await healthDuring(() => analyst.post('/api/customers/tags/recompute'));
    expect(run.result.status).toBe(201);
    expect(run.result.body.failed).toEqual([expect.objectContaining({ tag: 'staff_loop' })]);
    expect(run.result.body.customers).toBeGreaterThan(40);
    expect(run.healthMs).toBeLessThan(1000);
    expect((await analyst.get(`/api/records/customer/${small.body.id}`)).body.rule_tags).toContain('staff_loop');
    const entry = (await auditItems('customers.rule_tags'))[0];
    expect(entry.data.failed).toEqual([expect.objectContaining({ tag: 'staff_loop' })]);
    // Remove the tag so the rest of the suite's writes are not refused by it.
    const t = await compliance.patch(`/api/records/customer_tag/${tag.body.id}`, { active: false, version: tag.body.version });
    expect(t.status).toBe(200);
  });

  it('reads count, sum and string length as built-in functions in rule tags', async () => {
    const tag = await compliance.post('/api/records/customer_tag', {
      code: 'multi_holder', name: '多产品', kind: 'rule',
      rule: 'count(holdings) >= 2 and sum(holdings.balance) > 100000 and string length(name) >= 2',
    });
    expect(tag.status).toBe(201);
    // The analyst tries rules out on records of their own (their role reads nothing else).
    const product = (await analyst.post('/api/records/product', { code: 'T-DEP', name: '测试存款', category: 'deposit' })).body;
    expect(product.id).toEqual(expect.any(String));
    const customer = async (name: string, balances: [string, string][]) => {
      const c = await analyst.post('/api/records/customer', { customer_type: 'individual', name });
      expect(c.status).toBe(201);
      for (const [balance, status] of balances) {
        const h = await analyst.post('/api/records/holding', { customer: c.body.id, product: product.id, category: 'deposit', balance, status });
        expect(h.status).toBe(201);
      }
      return c.body.id as string;
    };
    const yes = await customer('王多', [['60000.00', 'active'], ['50000.00', 'active']]);
    const oneHolding = await customer('李一', [['200000.00', 'active']]);
    const small = await customer('赵小', [['10.00', 'active'], ['20.00', 'active'], ['900000.00', 'closed']]);
    const tags = async (id: string) => (await compliance.get(`/api/records/customer/${id}`)).body.rule_tags as string[];
    expect(await tags(yes)).toContain('multi_holder');
    expect(await tags(oneHolding)).not.toContain('multi_holder');
    expect(await tags(small)).not.toContain('multi_holder');
    const run = await analyst.post('/api/customers/tags/recompute');
    expect(run.body.failed).toEqual([]);
    expect(await tags(yes)).toContain('multi_holder');
    expect(await tags(small)).not.toContain('multi_holder');
  });
});

describe('item 7, stored before: segments saved in clear are hashed when the server starts', () => {
  it('rewrites such a filter in place, keeps what it selects, and audits only the ids', async () => {
    const target = await customerWithIdNumber(5);
    const clear = JSON.stringify({ $or: [{ id_number: target.id_number }, { risk_level: 'never' }] });
    await db((c) => c.query(`INSERT INTO crm_data.segment (id, code, name, target_object, filter) VALUES (gen_random_uuid(), 'legacy', '旧客群', 'customer', $1::jsonb)`, [clear]));
    await srv.stop({ keepDatabase: true });
    srv = await startServer({ dbUrl: srv.dbUrl, env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '40', CRM_BANK_JOBS_MS: '0' }, timeoutMs: 120000 });
    compliance = await as(srv.baseUrl, 'compliance');
    auditor = await as(srv.baseUrl, 'auditor');
    const stored = async () => db(async (c) => (await c.query(`SELECT filter::text AS f FROM crm_data.segment WHERE code = 'legacy'`)).rows[0].f as string);
    await until(async () => !(await stored()).includes(target.id_number), { what: 'the stored filter to be hashed' });
    expect(await stored()).not.toContain(target.id_number);
    expect(await stored()).toContain('$hash');
    const members = await compliance.get('/api/segments/legacy/members');
    expect(members.body.items.map((x: any) => x.id)).toEqual([target.id]);
    const entry = (await auditItems('customers.segments_protected'))[0];
    expect(entry.data.ids).toHaveLength(1);
    expect(JSON.stringify(entry)).not.toContain(target.id_number);
  }, 180000);
});

// ---------------------------------------------------------------- helpers

const tokens = new Map<string, string>();
async function tokenOf(user: string): Promise<string> {
  if (!tokens.has(user)) {
    const r = await call(srv.baseUrl, 'POST', '/api/auth/login', { body: { username: user, password: 'Demo@2026' } });
    tokens.set(user, r.body.accessToken);
  }
  return tokens.get(user)!;
}

/** Runs a request while polling /api/health; the slowest health answer shows whether the event loop was blocked. */
async function healthDuring<T>(request: () => Promise<T>): Promise<{ result: T; writeMs: number; healthMs: number }> {
  let done = false;
  let healthMs = 0;
  const t0 = performance.now();
  const pending = request().finally(() => (done = true));
  const poll = (async () => {
    while (!done) {
      const h0 = performance.now();
      const r = await fetch(`${srv.baseUrl}/api/health`);
      await r.text();
      healthMs = Math.max(healthMs, performance.now() - h0);
    }
  })();
  const result = await pending;
  const writeMs = performance.now() - t0;
  await poll;
  return { result, writeMs, healthMs };
}
