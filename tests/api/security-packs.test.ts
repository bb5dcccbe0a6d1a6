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
import { createClient, type ApiError, type Permission, type RecordData } from '@crm/shared';
import { as, call, client, login, refused, typed } from '../harness/http.js';
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
  return (await auditor.api.audit.list({ action, limit: 50 })).items;
}

/** An individual demo customer with an ID number, read in clear by compliance. */
async function customerWithIdNumber(skip = 0): Promise<RecordData & { id_number: string }> {
  const r = await compliance.api.records.query('customer', { filter: { customer_type: 'individual', id_number: { $null: false } }, limit: skip + 1, sort: 'created_at' });
  const c = r.items[skip]!;
  expect(c.id_number).toMatch(/^\d{17}[\dX]$/);
  return c as RecordData & { id_number: string };
}

describe('item 4: a pack upgrade never changes an existing role', () => {
  it('keeps the security administrator\'s narrowing of rm, reports the difference and audits it', async () => {
    const before = await security.api.admin.getRole('rm');
    const packCustomer = before.permissions.find((p) => p.object === 'customer')!;
    expect(packCustomer.scope).toBe('team');
    const narrowed: Permission = { ...packCustomer, scope: 'own', fields: { ...packCustomer.fields, birth_date: 'none' } };
    const permissions = before.permissions.map((p) => (p === packCustomer ? narrowed : p));
    expect((await security.api.admin.updateRole('rm', { permissions })).permissions).toEqual(permissions);
    const narrowedView = await rm.api.records.list('customer', { limit: 500, total: true });
    const me = await rm.api.me();
    expect(narrowedView.items.every((c) => c.owner_id === me.id && !('birth_date' in c))).toBe(true);

    const r = await analyst.api.templates.install('bank-crm');
    expect(r.changes.filter((c) => c.startsWith('role '))).toEqual([]);
    const diff = r.roleDifferences.find((d) => d.role === 'rm');
    expect(diff).toEqual({ role: 'rm', added: [packCustomer], removed: [narrowed], platformAdded: [] });

    // The role is exactly as the security administrator left it, and so is what rm sees.
    expect((await security.api.admin.getRole('rm')).permissions).toEqual(permissions);
    const after = await rm.api.records.list('customer', { limit: 500, total: true });
    expect(after.total).toBe(narrowedView.total);
    expect(after.items.some((c) => 'birth_date' in c)).toBe(false);

    // The finding is in the audit trail for the security administrator (and the auditor) to act on.
    const entry = (await auditItems('template.install'))[0];
    expect(entry.actorName).toBe('analyst');
    expect(entry.data.roleDifferences).toEqual(expect.arrayContaining([expect.objectContaining({ role: 'rm', removed: [narrowed] })]));

    // Installing again reports the same difference and still changes nothing.
    const again = await analyst.api.templates.install('bank-crm');
    expect(again).toMatchObject({ changed: false, changes: [] });
    expect(again.roleDifferences).toEqual(r.roleDifferences);
    expect((await security.api.admin.getRole('rm')).permissions).toEqual(permissions);
  });

  it('the security administrator, and only they, applies a reported difference', async () => {
    const narrowed = (await security.api.admin.getRole('rm')).permissions;
    const body = { roles: ['rm'] };
    for (const c of [analyst, admin, rm, auditor]) expect((await refused(c.api.templates.applyRoles('bank-crm', body))).status).toBe(403);
    expect((await refused(security.api.templates.applyRoles('bank-crm', { roles: ['nobody'] }))).status).toBe(400);
    expect((await refused(security.api.templates.applyRoles('bank-crm', { roles: [] }))).status).toBe(400);
    expect((await security.api.admin.getRole('rm')).permissions).toEqual(narrowed);
    const r = await security.api.templates.applyRoles('bank-crm', body);
    expect(r.applied).toEqual(['rm']);
    expect(r.roleDifferences.find((d) => d.role === 'rm')).toBeUndefined();
    expect((await security.api.admin.getRole('rm')).permissions.find((p) => p.object === 'customer')!.scope).toBe('team');
    const entry = (await auditItems('admin.role.update'))[0];
    expect([entry.actorName, entry.recordId]).toEqual(['security', 'rm']);
  });

  it('does not take back platform rights nor restore a withdrawn permission', async () => {
    const mgr = await security.api.admin.getRole('manager');
    const withoutSegments = mgr.permissions.filter((p) => p.object !== 'segment');
    expect((await security.api.admin.updateRole('manager', { permissions: withoutSegments, platform: [] })).platform).toEqual([]);
    const r = await analyst.api.templates.install('bank-crm');
    const diff = r.roleDifferences.find((d) => d.role === 'manager')!;
    // What the pack grants the manager (its own rights, not given back): the workflow start and PIPL requests.
    expect(diff.platformAdded).toEqual(['privacy', 'process.start']);
    expect(diff.added).toEqual([mgr.permissions.find((p) => p.object === 'segment')]);
    const now = await security.api.admin.getRole('manager');
    expect(now.permissions).toEqual(withoutSegments);
    expect(now.platform).toEqual([]);
    expect((await refused(manager.api.records.list('segment'))).status).toBe(403);
    // Put the manager back for the tests below.
    expect((await security.api.admin.updateRole('manager', { permissions: mgr.permissions, platform: mgr.platform })).permissions).toEqual(mgr.permissions);
  });

  it('only the designer right installs, and installing grants the installer (or anyone) nothing', async () => {
    for (const c of [admin, security, manager, rm, compliance, auditor]) {
      const r = await refused(c.api.templates.install('bank-crm'));
      expect(r.status).toBe(403);
    }
    // A role the pack lacks is created again, held by nobody; the installer's own rights do not change.
    const holders = () => db(async (c) => (await c.query(`SELECT username, roles FROM crm.users ORDER BY username`)).rows);
    const usersBefore = await holders();
    const meBefore = await analyst.api.me();
    await db((c) => c.query(`DELETE FROM crm.roles WHERE key = 'credit_approver'`));
    const r = await analyst.api.templates.install('bank-crm');
    expect(r.changes).toContain('role credit_approver');
    expect(await holders()).toEqual(usersBefore);
    const meAfter = await analyst.api.me();
    expect(meAfter.roles).toEqual(meBefore.roles);
    expect(meAfter).toEqual(meBefore);
  });

  it('never lowers a field\'s sensitivity raised after the install', async () => {
    expect((await analyst.api.meta.updateField('customer', 'id_number', { sensitivity: 4 })).sensitivity).toBe(4);
    expect((await analyst.api.templates.install('bank-crm')).key).toBe('bank-crm');
    const o = await analyst.api.meta.getObject('customer');
    expect(o.fields.find((f) => f.key === 'id_number')!.sensitivity).toBe(4);
  });
});

describe('item 7: sensitive filter values are kept only as keyed hashes or masked', () => {
  it('an export filtered by an ID number selects the right customer, and the auditor never reads the number', async () => {
    const target = await customerWithIdNumber();
    const other = await customerWithIdNumber(1);
    // Raw: the export answers CSV, not JSON.
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
    const created = await compliance.api.customers.createSegment({ code: 'watch_one', name: '关注客户', filter: { id_number: target.id_number } });
    expect(created.code).toBe('watch_one');
    expect(JSON.stringify(created)).not.toContain(target.id_number);

    const row = await db(async (c) => (await c.query(`SELECT filter::text AS f FROM crm_data.segment WHERE code = 'watch_one'`)).rows[0].f as string);
    expect(row).not.toContain(target.id_number);
    expect(row).toMatch(/"\$hash": "[0-9a-f]{64}"/);

    const members = await compliance.api.customers.segmentMembers('watch_one');
    expect(members.items.map((x) => x.id)).toEqual([target.id]);
    expect((await compliance.api.customers.getSegment('watch_one')).count).toBe(1);

    const seen = await rm.api.customers.getSegment('watch_one');
    expect(JSON.stringify(seen)).not.toContain(target.id_number);
    expect(JSON.stringify(seen)).not.toContain('$hash');
    expect(seen.filter).toMatchObject({ id_number: { $eq: expect.stringMatching(/\*/) } });
    const listed = (await rm.api.customers.listSegments()).find((s) => s.code === 'watch_one');
    expect(listed?.code).toBe('watch_one');
    expect(JSON.stringify(listed)).not.toContain(target.id_number);
    const raw = await rm.api.records.get('segment', created.id);
    expect(JSON.stringify(raw)).not.toContain(target.id_number);

    // Changing the filter keeps the rule; a stale version is refused.
    const other = await customerWithIdNumber(3);
    const changed = await compliance.api.customers.updateSegment('watch_one', { version: created.version, filter: { id_number: { $in: [target.id_number, other.id_number] } } });
    expect(changed.version).toBe(created.version + 1);
    expect((await refused(compliance.api.customers.updateSegment('watch_one', { version: created.version, name: 'x' }))).status).toBe(409);
    const both = await compliance.api.customers.segmentMembers('watch_one');
    expect(both.items.map((x) => x.id).sort()).toEqual([target.id, other.id].sort());

    // Nothing in the audit trail holds either number.
    const leaked = await db(async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm.audit_log WHERE data::text LIKE $1 OR data::text LIKE $2`, [`%${target.id_number}%`, `%${other.id_number}%`])).rows[0].n);
    expect(leaked).toBe(0);
  });

  it('refuses a clear sensitive value on the generic records path, and those who may not filter by it', async () => {
    const target = await customerWithIdNumber(4);
    const count = () => db(async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm_data.segment`)).rows[0].n);
    const before = await count();
    for (const filter of [{ id_number: target.id_number }, { id_number: { $in: [target.id_number] } }, { $or: [{ risk_level: 'high' }, { $not: { mobile: '13800138000' } }] }, { id_number: { $like: '310%' } }]) {
      const r = await refused(compliance.api.records.create('segment', { code: 'sneaky', name: 'x', filter }));
      expect(r.status).toBe(400);
      expect(r.code).toBe('customers.segment_clear_secret');
      expect(r.message).toContain('敏感');
    }
    expect(await count()).toBe(before);
    // A manager may save segments but may not filter by ID numbers: neither may their segment.
    const m = await refused(manager.api.customers.createSegment({ code: 'mgr_guess', name: 'x', filter: { id_number: target.id_number } }));
    expect(m.status).toBe(400);
    expect(errorText(m)).not.toContain(target.id_number);
    expect((await refused(rm.api.customers.createSegment({ code: 'rm_seg', name: 'x', filter: { risk_level: 'high' } }))).status).toBe(403);
    expect((await refused(compliance.api.customers.createSegment({ code: 'Bad Code', name: 'x', filter: {} }))).status).toBe(400);
    // Raw: a key the request schema does not have, on purpose.
    expect((await compliance.post('/api/segments', { code: 'extra', name: 'x', filter: { risk_level: 'high' }, owner_id: 'x' })).status).toBe(400);
    expect(await count()).toBe(before);
    // A hash taken from a segment is no key for someone who may not filter by the field.
    const stored = await db(async (c) => (await c.query(`SELECT filter FROM crm_data.segment WHERE code = 'watch_one'`)).rows[0].filter);
    const hashed = stored.id_number.$eq ?? stored.id_number.$in[0];
    const probe = await refused(rm.api.records.query('customer', { filter: { id_number: { $eq: hashed } } }));
    expect(probe.status).toBe(400);
    // And a caller cannot pass extra keys off as a hash.
    const forged = await refused(compliance.api.records.query('customer', { filter: { id_number: { $eq: { ...hashed, extra: 1 } } } }));
    expect(forged.status).toBe(400);
  });
});

describe('item 8: bounded FEEL', () => {
  it('refuses at save time, with a Chinese message, a loop too big wherever FEEL is kept for later runs', async () => {
    const tag = await refused(compliance.api.records.create('customer_tag', { code: 'loop', name: '循环', kind: 'rule', rule: HUGE_LOOP }));
    expect(tag.status).toBe(400);
    expect(tag.code).toBe('customers.rule_invalid');
    expect(tag.message).toContain('超过上限 100000 次');
    const complianceToken = await tokenOf('compliance');
    const inEnglish = createClient({ baseUrl: srv.baseUrl, getToken: () => complianceToken, getLanguage: () => 'en' });
    const en = await refused(inEnglish.records.create('customer_tag', { code: 'loop', name: 'x', kind: 'rule', rule: HUGE_LOOP }));
    expect(en.message).toContain('more than the limit of 100000');
    // A regular expression that could backtrack without end cannot be interrupted by any budget: refused.
    const redos = await refused(compliance.api.records.create('customer_tag', { code: 'redos', name: 'x', kind: 'rule', rule: 'matches(name, "^(a+)+$")' }));
    expect(redos.status).toBe(400);
    expect(redos.message).toContain('可能无限回溯');
    // Names a rule may not read: unknown ones (they would silently be null) and encrypted fields.
    for (const rule of ['foo > 1', 'id_number = "310101199001011234"']) {
      const r = await refused(compliance.api.records.create('customer_tag', { code: 'bad_names', name: 'x', kind: 'rule', rule }));
      expect(r.status).toBe(400);
      expect(r.code).toBe('customers.rule_invalid');
    }
    expect((await compliance.api.records.list('customer_tag', { filter: { code: { $in: ['loop', 'bad_names'] } } })).items).toEqual([]);

    const obj = await analyst.api.meta.createObject({ key: 'budget_probe', label: '预算', fields: [{ key: 'n', label: 'n', type: 'integer' }] });
    expect(obj.key).toBe('budget_probe');
    const computed = await refused(analyst.api.meta.addField('budget_probe', { key: 'c', label: 'c', type: 'computed', options: { expression: HUGE_LOOP } }));
    expect(computed.status).toBe(400);
    expect(errorText(computed)).toContain('超过上限');
    const form = await refused(analyst.api.meta.createForm({ key: 'budget_form', object: 'budget_probe', title: 'x', layout: [{ field: 'n' }], rules: [{ when: HUGE_LOOP, require: ['n'] }] }));
    expect(form.status).toBe(400);
    expect(errorText(form)).toContain('过于复杂');
    const bpmn = chain('budget_flow', ['<bpmn:startEvent id="s"/>', '<bpmn:exclusiveGateway id="g" default="d"/>', '<bpmn:endEvent id="e"/>'])
      .replace('</bpmn:process>', `<bpmn:endEvent id="e2"/><bpmn:endEvent id="d"/><bpmn:sequenceFlow id="c1" sourceRef="g" targetRef="e2"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=${HUGE_LOOP}</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:sequenceFlow id="c2" sourceRef="g" targetRef="d"/></bpmn:process>`);
    const deploy = await refused(analyst.api.processes.deploy({ bpmnXml: bpmn }));
    expect(deploy.status).toBe(400);
    expect(deploy.message).toContain('超过上限');
    const dmn = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="loopyDefs" name="Loopy" namespace="urn:test">
  <decision id="loopy" name="循环"><decisionTable id="dt" hitPolicy="FIRST">
    <input id="i1"><inputExpression id="ie1" typeRef="number"><text>amount</text></inputExpression></input>
    <output id="o1" name="ok" typeRef="boolean"/>
    <rule id="r1"><inputEntry id="e1"><text>-</text></inputEntry><outputEntry id="x1"><text>${HUGE_LOOP}</text></outputEntry></rule>
  </decisionTable></decision>
</definitions>`;
    const decision = await refused(analyst.api.decisions.deploy(dmn));
    expect(decision.status).toBe(400);
    expect(errorText(decision)).toContain('超过上限');
    const trigger = await refused(analyst.api.triggers.create({ processKey: 'bank_complaint', object: 'budget_probe', on: 'created', condition: HUGE_LOOP }));
    expect(trigger.status).toBe(400);
    expect(trigger.message).toContain('超过上限');
    // The same shapes within the budget are fine.
    expect((await analyst.api.meta.addField('budget_probe', { key: 'c', label: 'c', type: 'computed', options: { expression: 'count(for i in 1..n return i)' } })).key).toBe('c');
  });

  it('a run-time overrun fails that write only, quickly, while /api/health stays fast', async () => {
    // The computed field above loops n times: a record with a huge n is refused (400), not computed for minutes.
    const slowest = await healthDuring(() => refused(analyst.api.records.create('budget_probe', { n: 50_000_000 })));
    expect(slowest.result.status).toBe(400);
    expect(slowest.result.details).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'feel_budget' })]));
    expect(slowest.writeMs).toBeLessThan(5000);
    expect(slowest.healthMs).toBeLessThan(1000);
    expect((await analyst.api.records.create('budget_probe', { n: 3 })).c).toBe(3);
    expect(await db(async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm_data.budget_probe`)).rows[0].n)).toBe(1);

    // A rule tag whose size depends on the customer: fine at save, stopped when a customer makes it huge.
    expect((await analyst.api.meta.addField('customer', { key: 'staff_count', label: '员工数', type: 'integer' })).type).toBe('integer');
    const big = await analyst.api.records.create('customer', { customer_type: 'corporate', name: '大型企业', staff_count: 40_000_000 });
    expect(big.staff_count).toBe(40_000_000);
    const tag = await compliance.api.records.create('customer_tag', { code: 'staff_loop', name: '员工', kind: 'rule', rule: 'count(for i in 1..staff_count return i) > 10' });
    expect(tag.code).toBe('staff_loop');
    const write = await healthDuring(() => refused(analyst.api.records.create('customer', { customer_type: 'corporate', name: '另一家', staff_count: 50_000_000 })));
    expect(write.result.status).toBe(400);
    expect(write.result.code).toBe('customers.rule_budget');
    expect(write.result.message).toContain('staff_loop');
    expect(write.writeMs).toBeLessThan(5000);
    expect(write.healthMs).toBeLessThan(1000);
    const small = await analyst.api.records.create('customer', { customer_type: 'corporate', name: '小企业', staff_count: 20 });
    expect(small.rule_tags ?? (await analyst.api.records.get('customer', small.id)).rule_tags).toContain('staff_loop');

    // The hourly job: records the failing tag, keeps what it said before, and computes the others.
    const run = await healthDuring(() => analyst.api.customers.recomputeTags());
    expect(run.result.failed).toEqual([expect.objectContaining({ tag: 'staff_loop' })]);
    expect(run.result.customers).toBeGreaterThan(40);
    expect(run.healthMs).toBeLessThan(1000);
    expect((await analyst.api.records.get('customer', small.id)).rule_tags).toContain('staff_loop');
    const entry = (await auditItems('customers.rule_tags'))[0];
    expect(entry.data.failed).toEqual([expect.objectContaining({ tag: 'staff_loop' })]);
    // Remove the tag so the rest of the suite's writes are not refused by it.
    const t = await compliance.api.records.update('customer_tag', tag.id, { active: false, version: tag.version });
    expect(t.active).toBe(false);
  });

  it('reads count, sum and string length as built-in functions in rule tags', async () => {
    const tag = await compliance.api.records.create('customer_tag', {
      code: 'multi_holder', name: '多产品', kind: 'rule',
      rule: 'count(holdings) >= 2 and sum(holdings.balance) > 100000 and string length(name) >= 2',
    });
    expect(tag.code).toBe('multi_holder');
    // The analyst tries rules out on records of their own (their role reads nothing else).
    const product = await analyst.api.records.create('product', { code: 'T-DEP', name: '测试存款', category: 'deposit' });
    expect(product.id).toEqual(expect.any(String));
    const customer = async (name: string, balances: [string, string][]) => {
      const c = await analyst.api.records.create('customer', { customer_type: 'individual', name });
      for (const [balance, status] of balances) {
        const h = await analyst.api.records.create('holding', { customer: c.id, product: product.id, category: 'deposit', balance, status });
        expect(h).toMatchObject({ customer: c.id, balance, status });
      }
      return c.id;
    };
    const yes = await customer('王多', [['60000.00', 'active'], ['50000.00', 'active']]);
    const oneHolding = await customer('李一', [['200000.00', 'active']]);
    const small = await customer('赵小', [['10.00', 'active'], ['20.00', 'active'], ['900000.00', 'closed']]);
    const tags = async (id: string) => (await compliance.api.records.get('customer', id)).rule_tags as string[];
    expect(await tags(yes)).toContain('multi_holder');
    expect(await tags(oneHolding)).not.toContain('multi_holder');
    expect(await tags(small)).not.toContain('multi_holder');
    const run = await analyst.api.customers.recomputeTags();
    expect(run.failed).toEqual([]);
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
    const members = await compliance.api.customers.segmentMembers('legacy');
    expect(members.items.map((x) => x.id)).toEqual([target.id]);
    const entry = (await auditItems('customers.segments_protected'))[0];
    expect(entry.data.ids).toHaveLength(1);
    expect(JSON.stringify(entry)).not.toContain(target.id_number);
  }, 180000);
});

// ---------------------------------------------------------------- helpers

const tokens = new Map<string, string>();
async function tokenOf(user: string): Promise<string> {
  if (!tokens.has(user)) tokens.set(user, await login(srv.baseUrl, user));
  return tokens.get(user)!;
}

/** An error answer's message and details as text, to look for a phrase anywhere in them. */
const errorText = (e: ApiError) => JSON.stringify({ code: e.code, message: e.message, details: e.details });

/** Runs a request while polling /api/health; the slowest health answer shows whether the event loop was blocked. */
async function healthDuring<T>(request: () => Promise<T>): Promise<{ result: T; writeMs: number; healthMs: number }> {
  let done = false;
  let healthMs = 0;
  const t0 = performance.now();
  const pending = request().finally(() => (done = true));
  const poll = (async () => {
    while (!done) {
      const h0 = performance.now();
      await typed(srv.baseUrl).health();
      healthMs = Math.max(healthMs, performance.now() - h0);
    }
  })();
  const result = await pending;
  const writeMs = performance.now() - t0;
  await poll;
  return { result, writeMs, healthMs };
}
