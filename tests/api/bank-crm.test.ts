/**
 * The bank CRM pack on a fresh demo start: the pack is installed, the demo bank is loaded, and the
 * demo users see a working bank — customers by role with masking, the 360° view, the relationship
 * network and guarantee circles, rule tags and segments, and every process end to end.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startServer, type TestServer } from '../harness/server.js';
import type { Customer360Section, Permission, RecordData, SegmentWithCount } from '@crm/shared';
import { as, client, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';

type Client = ReturnType<typeof client>;

let srv: TestServer;
let analyst: Client, rm: Client, manager: Client, compliance: Client, auditor: Client, approver: Client, admin: Client;

async function taskFor(c: Client, instanceId: string, activityId: string) {
  return until(async () => {
    const r = await c.api.tasks.list('all');
    return r.items.find((t) => t.processInstanceId === instanceId && t.activityId === activityId);
  });
}

async function instanceOf(businessKey: string, definitionKey: string) {
  return until(async () => {
    const r = await analyst.api.instances.list({ definitionKey });
    return r.find((i) => i.businessKey === businessKey);
  });
}

async function instance(id: string) {
  // Read by a process administrator: a designer who takes no part sees no variables of an instance.
  return admin.api.instances.get(id);
}

async function complete(c: Client, taskId: string, variables: Record<string, unknown> = {}) {
  await c.api.tasks.complete(taskId, { variables });
}

async function myCustomer(): Promise<RecordData> {
  const me = await rm.api.me();
  const r = await rm.api.records.query('customer', { filter: { owner_id: me.id, customer_type: 'individual' }, limit: 1 });
  return r.items[0]!;
}

beforeAll(async () => {
  srv = await startServer({
    env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '400', CRM_JOB_POLL_MS: '100', CRM_JOB_BACKOFF_MS: '100' },
    timeoutMs: 120000,
  });
  [analyst, rm, manager, compliance, auditor, approver, admin] = await Promise.all(
    ['analyst', 'rm', 'manager', 'compliance', 'auditor', 'approver', 'admin'].map((u) => as(srv.baseUrl, u)),
  );
}, 150000);

afterAll(async () => {
  await srv?.stop();
});

describe('demo start', () => {
  it('installs the pack and loads the demo bank', async () => {
    const t = await analyst.api.templates.list();
    expect(t[0]).toMatchObject({ key: 'bank-crm', installed: { version: '1.6.1' } });
    const keys = (await analyst.api.meta.listObjects()).map((o) => o.key);
    expect(keys).toEqual(expect.arrayContaining(['customer', 'holding', 'relationship', 'interaction', 'consent', 'product', 'complaint', 'loan_application', 'lead', 'customer_tag', 'segment']));
    const defs = await analyst.api.processes.list();
    expect(defs.map((d) => d.key)).toEqual(expect.arrayContaining(['bank_complaint', 'bank_loan_application', 'bank_kyc_review', 'bank_lead_assignment']));
  });

  it('shows rm the customers of their own team, ID numbers masked', async () => {
    const r = await rm.api.records.query('customer', { filter: { customer_type: 'individual' }, limit: 50, total: true });
    expect(r.total).toBeGreaterThan(10);
    const me = await rm.api.me();
    const all = await compliance.api.records.query('customer', { limit: 1, total: true });
    expect(r.total).toBeLessThan(all.total!);
    for (const c of r.items) {
      expect(c.org_unit_id).toBe(me.orgUnitId);
      expect(String(c.id_number)).toMatch(/\*/);
    }
    const clear = await compliance.api.records.get('customer', r.items[0]!.id);
    expect(clear.id_number).toMatch(/^\d{17}[\dX]$/);
    const audit = await withClient(srv.dbUrl, (c) => c.query(`SELECT count(*)::int AS n FROM crm.audit_log WHERE action = 'record.read_unmasked' AND record_id = $1`, [r.items[0]!.id]));
    expect(audit.rows[0].n).toBeGreaterThan(0);
    expect((await refused(auditor.api.records.query('customer', { limit: 1 }))).status).toBe(403);
  });

  it("has work in rm's inbox on day one: KYC reviews of their customers that are due", async () => {
    const task = await until(async () => {
      const r = await rm.api.tasks.list('mine');
      return r.items.find((t) => t.activityId === 'kycUpdate');
    });
    expect(task.assignee).toBe('rm');
    expect(task.processDefinitionKey).toBe('bank_kyc_review');
  });

  it('loads valid ID numbers (GB 11643) and USCCs (GB 32100)', async () => {
    const people = (await compliance.api.records.query('customer', { filter: { customer_type: 'individual' }, limit: 100 })).items as (RecordData & { id_number: string })[];
    const companies = (await compliance.api.records.query('customer', { filter: { customer_type: 'corporate' }, limit: 50 })).items as (RecordData & { uscc: string })[];
    expect(people.length).toBe(100);
    expect(companies.length).toBeGreaterThan(10);
    for (const p of people) expect(idNumber(0, p.id_number.slice(0, 17))).toBe(p.id_number);
    for (const c of companies) expect(uscc(0, c.uscc.slice(0, 17))).toBe(c.uscc);
    expect(new Set(people.map((p) => p.name)).size).toBeGreaterThan(80);
  });
});

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
function uscc(n: number, given?: string): string {
  const org = String(n).padStart(8, '0');
  const ow = [3, 7, 9, 10, 5, 8, 4, 2];
  const s = [...org].reduce((a, ch, i) => a + Number(ch) * ow[i]!, 0);
  const c = 11 - (s % 11);
  const body = given ?? `91310115${org}${c === 10 ? 'X' : c === 11 ? '0' : c}`;
  const sum = [...body].reduce((a, ch, i) => a + USCC_ALPHABET.indexOf(ch) * USCC_W[i]!, 0);
  return body + USCC_ALPHABET[(31 - (sum % 31)) % 31];
}
function idNumber(seq: number, given?: string): string {
  const body = given ?? `31011519850615${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  return body + '10X98765432'[[...body].reduce((a, ch, i) => a + Number(ch) * w[i]!, 0) % 11];
}

describe('installing', () => {
  it('changes nothing when the template is installed again', async () => {
    const counts = () =>
      withClient(srv.dbUrl, async (c) => {
        const q = async (sql: string) => (await c.query(sql)).rows[0].n as number;
        return {
          objects: await q('SELECT count(*)::int AS n FROM crm.objects'),
          fields: await q('SELECT count(*)::int AS n FROM crm.fields'),
          forms: await q('SELECT count(*)::int AS n FROM crm.form_versions'),
          processes: await q('SELECT count(*)::int AS n FROM crm.wf_definitions'),
          decisions: await q('SELECT count(*)::int AS n FROM crm.wf_decisions'),
          triggers: await q('SELECT count(*)::int AS n FROM crm.wf_triggers'),
          roles: await q(`SELECT count(*)::int AS n FROM crm.roles`),
          roleVersions: await q(`SELECT count(*)::int AS n FROM crm.roles WHERE updated_at > created_at`),
          products: await q('SELECT count(*)::int AS n FROM crm_data.product'),
          tags: await q('SELECT count(*)::int AS n FROM crm_data.customer_tag'),
          metaVersion: await q(`SELECT (value::text)::int AS n FROM crm.settings WHERE key = 'meta_version'`),
          audit: await q(`SELECT count(*)::int AS n FROM crm.audit_log WHERE action LIKE 'meta.%' OR action LIKE 'template.%' OR action LIKE 'workflow.deploy%' OR action LIKE 'workflow.trigger%' OR action LIKE 'admin.role%' OR (action LIKE 'record.%' AND object IN ('product', 'customer_tag', 'segment'))`),
        };
      });
    const before = await counts();
    expect((await refused(rm.api.templates.install('bank-crm'))).status).toBe(403);
    const r = await analyst.api.templates.install('bank-crm');
    expect(r).toMatchObject({ key: 'bank-crm', changed: false, changes: [] });
    expect(await counts()).toEqual(before);
    const again = await analyst.api.templates.install('bank-crm');
    expect(again.changed).toBe(false);
  });
});

describe('customer 360, network and tags', () => {
  it('returns every part of the 360° view, as the caller may see it', async () => {
    const c = await myCustomer();
    const r = await rm.api.customers.get360(c.id);
    for (const k of ['customer', 'metrics', 'kyc', 'tags', 'holdings', 'relationships', 'interactions', 'consents', 'complaints', 'loan_applications', 'processes', 'tasks', 'timeline']) expect(r).toHaveProperty(k);
    expect(r.customer.id).toBe(c.id);
    expect(String(r.customer.id_number)).toMatch(/\*/);
    expect(r.holdings.items.length).toBeGreaterThan(0);
    expect(Number(r.metrics.aum)).toBeGreaterThan(0);
    expect(r.kyc).toHaveProperty('riskLevel');
    expect((await refused(auditor.api.customers.get360(c.id))).status).toBe(404);
    // A customer of another branch is not rm's to see.
    const other = await compliance.api.records.query('customer', { filter: { province: '浙江省' }, limit: 1 });
    expect((await refused(rm.api.customers.get360(other.items[0]!.id))).status).toBe(404);
    const full = await compliance.api.customers.get360(c.id);
    expect(full.customer.id_number).toMatch(/^\d{17}[\dX]$/);
  });

  it('finds a guarantee circle and walks the relationship network', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await rm.api.records.create('customer', { customer_type: 'corporate', name: `测试担保圈企业${i}有限公司`, uscc: uscc(87650000 + i) });
      ids.push(r.id);
    }
    const person = await rm.api.records.create('customer', { customer_type: 'individual', name: '测试法人', id_number: idNumber(101) });
    expect(await rm.api.records.create('relationship', { from_customer: person.id, to_customer: ids[0], rel_type: 'legal_rep' })).toMatchObject({ from_customer: person.id, to_customer: ids[0] });
    for (let i = 0; i < 3; i++) {
      const r = await rm.api.records.create('relationship', { from_customer: ids[i], to_customer: ids[(i + 1) % 3], rel_type: 'guarantor', guarantee_amount: '5000000.00' });
      expect(r).toMatchObject({ rel_type: 'guarantor', guarantee_amount: '5000000.00' });
    }
    const flagged = await until(async () => {
      const r = await rm.api.records.get('customer', ids[1]!);
      return r.in_guarantee_circle === true ? r : null;
    });
    expect(flagged.guarantee_circle).toMatch(/^GC-/);
    for (const id of ids) expect((await rm.api.records.get('customer', id)).guarantee_circle).toBe(flagged.guarantee_circle);
    const circles = await compliance.api.customers.guaranteeCircles();
    expect(circles.find((c) => c.id === flagged.guarantee_circle)?.members).toHaveLength(3);

    const net = await rm.api.customers.network(person.id, 3);
    expect(net.nodes.map((n) => n.id).sort()).toEqual([person.id, ...ids].sort());
    expect(net.edges).toHaveLength(4);
    const near = await rm.api.customers.network(person.id, 1);
    expect(near.nodes).toHaveLength(2);
    expect((await refused(rm.api.customers.network(person.id, 9))).status).toBe(400);
    // The demo bank has its own circles.
    expect(circles.length).toBeGreaterThan(1);
  });

  it('recomputes rule tags on change and counts segments live', async () => {
    const c = await myCustomer();
    const products = await rm.api.records.query('product', { filter: { code: 'D-LDC' }, limit: 1 });
    // Holdings come from core banking; here the analyst feeds one, and a holding may only point at a
    // customer and a product its writer may read: the security administrator lets the analyst read them.
    const security = await as(srv.baseUrl, 'security');
    const analystRole = await security.api.admin.getRole('analyst');
    const feed: Permission[] = [{ object: 'customer', actions: ['read'], scope: 'all' }, { object: 'product', actions: ['read'], scope: 'all' }];
    expect((await security.api.admin.updateRole('analyst', { permissions: [...analystRole.permissions, ...feed] })).permissions).toEqual(expect.arrayContaining(feed));
    const h = await analyst.api.records.create('holding', { customer: c.id, product: products.items[0]!.id, category: 'deposit', balance: '7000000.00' });
    expect(h).toMatchObject({ customer: c.id, balance: '7000000.00' });
    const after = await compliance.api.records.get('customer', c.id);
    expect(after.rule_tags).toContain('high_net_worth');
    expect(Number(after.aum)).toBeGreaterThanOrEqual(7000000);
    const tagged = await rm.api.records.update('customer', c.id, { tags: ['vip'], version: after.version });
    expect(tagged.version).toBe(after.version + 1);
    const v = await rm.api.customers.get360(c.id);
    expect(v.tags.map((t) => t.code)).toEqual(expect.arrayContaining(['vip', 'high_net_worth']));

    const mine = await rm.api.customers.listSegments();
    const all = await compliance.api.customers.listSegments();
    const seg = (list: SegmentWithCount[], code: string) => list.find((s) => s.code === code)!;
    expect(seg(mine, 'private_banking').count).toBeGreaterThanOrEqual(1);
    expect(seg(all, 'corporate').count).toBeGreaterThan(seg(mine, 'corporate').count!);
    const members = await rm.api.customers.segmentMembers('private_banking', { limit: 500 });
    expect(members.items.map((x) => x.id)).toContain(c.id);
    // A segment is a process target: one review per member.
    const run = await compliance.api.customers.startSegmentProcess('guarantee_circle', { processKey: 'bank_kyc_review', max: 2 });
    expect(run.started).toBe(2);
    expect((await refused(rm.api.customers.startSegmentProcess('guarantee_circle', { processKey: 'nope', max: 1 }))).status).toBe(404);
    const recompute = await analyst.api.customers.recomputeTags();
    expect(recompute.customers).toBeGreaterThan(400);
  });
});

describe('processes', () => {
  it('complaint: lands with the customer manager, is reviewed by the branch manager and called back', async () => {
    const c = await myCustomer();
    const f = await rm.api.records.create('complaint', { customer: c.id, channel: 'branch', category: 'fees', description: '对账户管理费有异议' });
    const inst = await instanceOf(f.id, 'bank_complaint');
    const triage = await taskFor(manager, inst.id, 'triage');
    expect(triage.assignee).toBe('manager');
    await complete(manager, triage.id, { category: 'fees' });
    const handle = await taskFor(rm, inst.id, 'handle');
    expect(handle.assignee).toBe('rm');
    expect(Date.parse(handle.dueAt!) - Date.now()).toBeGreaterThan(47 * 3600_000);
    expect((await rm.api.records.get('complaint', f.id)).status).toBe('handling');
    await complete(rm, handle.id, { resolution: '已退还管理费' });
    const review = await taskFor(manager, inst.id, 'review');
    expect(review.assignee).toBe('manager');
    await complete(manager, review.id, { reviewDecision: 'ok' });
    const callback = await taskFor(rm, inst.id, 'callback');
    await complete(rm, callback.id, { satisfied: true });
    await until(async () => (await instance(inst.id)).state === 'completed');
    expect((await rm.api.records.get('complaint', f.id)).status).toBe('closed');
    const v = await rm.api.customers.get360(c.id);
    expect((v.complaints as Customer360Section).items.map((x) => x.id)).toContain(f.id);
    expect(v.processes.items.map((x) => x.id)).toContain(inst.id);
  });

  it('complaint: escalates to the branch manager when the 48-hour SLA lapses', async () => {
    const c = await myCustomer();
    const f = await rm.api.records.create('complaint', { customer: c.id, channel: 'call_center', category: 'service', priority: 'urgent', description: '柜面服务态度差' });
    const inst = await instanceOf(f.id, 'bank_complaint');
    const triage = await taskFor(manager, inst.id, 'triage');
    // The rm's inbox shows what they work on; the 360° view shows the open task of this customer.
    const job = await withClient(srv.dbUrl, (db) => db.query(`SELECT id, due_at FROM crm.wf_jobs WHERE instance_id = $1 AND activity_id = 'slaBreached'`, [inst.id]));
    expect(job.rows).toHaveLength(1);
    const hours = (new Date(job.rows[0].due_at).getTime() - Date.now()) / 3600_000;
    expect(hours).toBeGreaterThan(47.9);
    expect(hours).toBeLessThanOrEqual(48);
    // 48 hours pass.
    await withClient(srv.dbUrl, (db) => db.query(`UPDATE crm.wf_jobs SET due_at = now() WHERE id = $1`, [job.rows[0].id]));
    const escalated = await taskFor(manager, inst.id, 'escalated');
    expect(escalated.assignee).toBe('manager');
    expect((await refused(manager.api.tasks.complete(triage.id, { variables: {} }))).status).toBe(409);
    await until(async () => (await rm.api.records.get('complaint', f.id)).status === 'escalated');
    await complete(manager, escalated.id, { resolution: '行长亲自致电客户致歉' });
    const callback = await taskFor(rm, inst.id, 'callback');
    await complete(rm, callback.id);
    await until(async () => (await instance(inst.id)).state === 'completed');
  });

  it('loan: a small loan is approved in the branch, a large one goes to head office (four-eyes)', async () => {
    const c = await myCustomer();
    const small = await rm.api.records.create('loan_application', { customer: c.id, amount: '300000.00', term_months: 36, purpose: '装修' });
    const big = await rm.api.records.create('loan_application', { customer: c.id, amount: '8000000.00', term_months: 60, purpose: '经营周转', collateral: 'mortgage' });
    expect([small.amount, big.amount]).toEqual(['300000.00', '8000000.00']);
    const si = await instanceOf(small.id, 'bank_loan_application');
    const bi = await instanceOf(big.id, 'bank_loan_application');
    for (const inst of [si, bi]) {
      const review = await taskFor(manager, inst.id, 'creditReview');
      expect(review.assignee).toBe('manager');
      expect((await refused(rm.api.tasks.complete(review.id, { variables: { decision: 'approve' } }))).status).toBe(403);
      await complete(manager, review.id, { decision: 'approve' });
    }
    await until(async () => (await instance(si.id)).state === 'completed');
    // The decision result is computed from the loan's amount: shown to the branch manager, who may
    // read the loan, and not to the process administrator, who may not.
    const sv = await manager.api.instances.get(si.id);
    expect(sv.variables).toMatchObject({ approval: { level: 'branch' } });
    expect((await instance(si.id)).variables).not.toHaveProperty('approval');
    expect(sv.variables.amlHit).toBe(false);
    expect((await rm.api.records.get('loan_application', small.id)).status).toBe('approved');

    const ho = await taskFor(approver, bi.id, 'headOfficeApproval');
    expect(ho.candidateGroups).toEqual(['credit_approver']);
    expect((await refused(manager.api.tasks.complete(ho.id, { variables: { decision: 'approve' } }))).status).toBe(403);
    await complete(approver, ho.id, { decision: 'approve' });
    await until(async () => (await instance(bi.id)).state === 'completed');
    const bv = await manager.api.instances.get(bi.id);
    expect(bv.variables).toMatchObject({ approval: { level: 'head_office' }, firstApprover: 'manager', secondApprover: 'approver' });
    expect((await rm.api.records.get('loan_application', big.id)).status).toBe('approved');
  });

  it('loan: a sanctions-list hit goes to compliance, who may reject it', async () => {
    const cust = await rm.api.records.create('customer', { customer_type: 'individual', name: '王黑名单', id_number: idNumber(202) });
    const loan = await rm.api.records.create('loan_application', { customer: cust.id, amount: '50000.00', term_months: 12, purpose: '消费' });
    const inst = await instanceOf(loan.id, 'bank_loan_application');
    const review = await taskFor(compliance, inst.id, 'amlReview');
    expect((await instance(inst.id)).variables.amlHit).toBe(true);
    // The screening read the ID number in clear inside the process: audited, for the user who triggered it.
    const read = await withClient(srv.dbUrl, (db) => db.query(
      `SELECT actor_name FROM crm.audit_log WHERE action = 'record.read_unmasked' AND record_id = $1 AND data->>'service' = 'bank-aml-screening'`, [cust.id]));
    expect(read.rows.map((r: any) => r.actor_name)).toContain('rm');
    await complete(compliance, review.id, { decision: 'reject' });
    await until(async () => (await instance(inst.id)).state === 'completed');
    expect((await rm.api.records.get('loan_application', loan.id)).status).toBe('rejected');
  });

  it('KYC review: started when due, high risk reviewed by compliance, next review set by the decision table', async () => {
    const c = await myCustomer();
    const cur = await compliance.api.records.get('customer', c.id);
    const p = await compliance.api.records.update('customer', c.id, { kyc_next_review: '2020-01-01', version: cur.version });
    expect(p.kyc_next_review).toBe('2020-01-01');
    // The daily scheduler process (timer start), started by hand here.
    const sched = await analyst.api.processes.start('bank_kyc_scheduler', { variables: {} });
    await until(async () => (await instance(sched.id)).state === 'completed');
    expect((await instance(sched.id)).variables.started).toBeGreaterThanOrEqual(1);
    const timerJob = await withClient(srv.dbUrl, (db) => db.query(`SELECT due_at FROM crm.wf_jobs WHERE kind = 'timer' AND instance_id IS NULL AND payload->>'startKey' = 'bank_kyc_scheduler'`));
    expect(timerJob.rows).toHaveLength(1);
    expect((await refused(rm.api.customers.scheduleKycReviews(1))).status).toBe(403);
    const inst = await instanceOf(c.id, 'bank_kyc_review');
    const update = await taskFor(rm, inst.id, 'kycUpdate');
    expect(update.assignee).toBe('rm');
    expect((await rm.api.records.get('customer', c.id)).kyc_status).toBe('reviewing');
    // rm proposes a risk level (the kycUpdate task declares `proposedRiskLevel`); a change goes to compliance.
    await complete(rm, update.id, { proposedRiskLevel: 'high' });
    const cr = await taskFor(compliance, inst.id, 'complianceReview');
    await complete(compliance, cr.id, { approved: true });
    await until(async () => (await instance(inst.id)).state === 'completed');
    const after = await rm.api.records.get('customer', c.id);
    expect(after).toMatchObject({ kyc_status: 'verified', risk_level: 'high' });
    const months = (Date.parse(String(after.kyc_next_review)) - Date.now()) / (30.4 * 86400_000);
    expect(months).toBeGreaterThan(2.5);
    expect(months).toBeLessThan(3.5);
  });

  it('lead: assigned round-robin to the customer managers of the branch', async () => {
    const unit = (await manager.api.me()).orgUnitId;
    expect(unit).toEqual(expect.any(String));
    const assigned: string[] = [];
    for (const name of ['线索甲', '线索乙']) {
      const l = await manager.api.records.create('lead', { name, source: 'walk_in', interest: '大额存单', branch: unit });
      const inst = await instanceOf(l.id, 'bank_lead_assignment');
      const rec = await until(async () => {
        const r = await manager.api.records.get('lead', l.id);
        return r.assigned_rm ? r : null;
      });
      const t = await until(async () => ((await instance(inst.id)).activeActivities.includes('followUp') ? true : null));
      expect(t).toBe(true);
      assigned.push(String(rec.assigned_rm));
    }
    expect(assigned[0]).not.toBe(assigned[1]);
    expect(assigned).toContain('rm');
    const inbox = await rm.api.tasks.list('mine');
    expect(inbox.items.some((t) => t.activityId === 'followUp')).toBe(true);
  });
});
