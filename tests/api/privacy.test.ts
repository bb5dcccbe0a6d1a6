/**
 * PIPL personal-information rights on the bank pack: finding everything about a customer through the
 * relation fields metadata declares (an analyst's new object included without code), requests run as
 * the pack's process with a working-day deadline that escalates, a copy package opened here with
 * jszip and exceljs, deletion that anonymises what may go and keeps what law holds (with four-eyes),
 * correction with the request as the audited reason, consent withdrawal in the ledger, and every
 * way a malicious insider could try it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import type { RecordData } from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';
import { as, refused } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';

type Client = Awaited<ReturnType<typeof as>>;

let srv: TestServer;
let rm: Client, compliance: Client, manager: Client, analyst: Client, auditor: Client, security: Client, admin: Client;
let seq = 0;

/** A valid resident ID number (GB 11643 check digit), different each call. */
function idNumber(): string {
  const body = `1101051990${String(101 + seq++).padStart(4, '0')}123`.slice(0, 17);
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((s, d, i) => s + Number(d) * w[i]!, 0);
  return body + '10X98765432'[sum % 11];
}

async function taskFor(c: Client, instanceId: string, activityId: string) {
  return until(async () => (await c.api.tasks.list('all')).items.find((t) => t.processInstanceId === instanceId && t.activityId === activityId), { what: `task ${activityId}` });
}

interface Person { customer: RecordData; idNumber: string; mobile: string; ids: Record<string, string[]>; fileId: string }

/** A customer with holdings (a deposit and an open loan), an interaction, a complaint, a consent and an attachment. */
async function person(name: string): Promise<Person> {
  const id = idNumber();
  const mobile = `139${String(10000000 + seq * 7919).slice(0, 8)}`;
  const file = await rm.api.files.upload(new Blob([new Uint8Array(Buffer.from(`%PDF-1.4\n% ${name}\n%%EOF\n`))]), `${name}-身份证.pdf`);
  const customer = await rm.api.records.create('customer', { customer_type: 'individual', name, id_number: id, mobile, email: `${seq}@example.cn`, documents: [file.id] });
  const product = (await compliance.api.records.query('product', { limit: 1 })).items[0]!;
  const deposit = await compliance.api.records.create('holding', { customer: customer.id, product: product.id, category: 'deposit', balance: '1000.00', status: 'active' });
  const loan = await compliance.api.records.create('holding', { customer: customer.id, product: product.id, category: 'loan', balance: '50000.00', status: 'active' });
  const interaction = await rm.api.records.create('interaction', { customer: customer.id, kind: 'call', subject: `致电${name}`, content: `${name}说想了解理财`, occurred_at: '2026-11-02T10:00:00+08:00' });
  const complaint = await rm.api.records.create('complaint', { customer: customer.id, channel: 'branch', category: 'fees', description: `${name}对手续费有异议` });
  const consent = await rm.api.records.create('consent', { customer: customer.id, purpose: 'marketing', notice_version: 'v1', channel: 'branch', consented_at: '2026-01-05T09:00:00+08:00' });
  return {
    customer, idNumber: id, mobile, fileId: file.id,
    ids: { customer: [customer.id], holding: [deposit.id, loan.id], interaction: [interaction.id], complaint: [complaint.id], consent: [consent.id] },
  };
}

/** Verifies identity (and, for a deletion, has the manager approve), then answers: the request's whole happy path. */
async function run(instanceId: string, opts: { approve?: boolean } = {}) {
  const verify = await taskFor(compliance, instanceId, 'verify');
  await compliance.api.tasks.complete(verify.id, { variables: { verified: true } });
  if (opts.approve) {
    const approve = await taskFor(manager, instanceId, 'approveDeletion');
    await manager.api.tasks.complete(approve.id, { variables: { approved: true } });
  }
  const answer = await taskFor(compliance, instanceId, 'answer');
  await compliance.api.tasks.complete(answer.id, { variables: { answerNote: '已答复' } });
}

let a: Person, b: Person;

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '20', CRM_JOB_POLL_MS: '100', CRM_JOB_BACKOFF_MS: '100' }, timeoutMs: 120000 });
  [rm, compliance, manager, analyst, auditor, security, admin] = await Promise.all(['rm', 'compliance', 'manager', 'analyst', 'auditor', 'security', 'admin'].map((u) => as(srv.baseUrl, u)));
  // Test set-up: compliance may book holdings here (in the demo only the core-banking feed writes them).
  const role = await security.api.admin.getRole('compliance');
  await security.api.admin.updateRole('compliance', { permissions: [...role.permissions.filter((p) => p.object !== 'holding'), { object: 'holding', actions: ['create', 'read', 'update'], scope: 'all', unmask: true }] });
  a = await person('隐私甲');
  b = await person('隐私乙');
}, 180000);

afterAll(async () => {
  await srv?.stop();
});

describe('finding everything about a person', () => {
  it('walks the declared relation fields from the customer to every record, attachment and process about them — and nothing of another customer', async () => {
    const s = await compliance.api.privacy.subject(a.customer.id);
    expect(s.subject).toMatchObject({ object: 'customer', id: a.customer.id, title: '隐私甲' });
    const found = (object: string) => s.records.filter((r) => r.object === object).map((r) => r.id).sort();
    for (const [object, ids] of Object.entries(a.ids)) expect([object, found(object)]).toEqual([object, [...ids].sort()]);
    expect(s.attachments).toEqual([{ id: a.fileId, name: '隐私甲-身份证.pdf' }]);
    const others = new Set(Object.values(b.ids).flat());
    expect(s.records.filter((r) => others.has(r.id))).toEqual([]);
    // The complaint's process names the customer.
    expect(s.processes.some((p) => p.definitionKey === 'bank_complaint')).toBe(true);
    expect(s.auditEntries).toBeGreaterThan(5);
    // The open loan and the running relationship's accounts are held, with the reason.
    expect(s.holds.map((h) => [h.id, h.reason, h.until]).sort()).toEqual([[a.ids.holding[0], 'aml_retention', null], [a.ids.holding[1], 'open_loan', null]].sort());
    expect(s.holds.find((h) => h.reason === 'open_loan')!.reasonText).toContain('贷款');
  });

  it('finds the customer by ID number or mobile through the keyed search hashes', async () => {
    expect(await compliance.api.privacy.lookup({ idNumber: a.idNumber })).toEqual([{ id: a.customer.id, title: '隐私甲' }]);
    expect(await compliance.api.privacy.lookup({ mobile: b.mobile })).toEqual([{ id: b.customer.id, title: '隐私乙' }]);
    expect(await compliance.api.privacy.lookup({ idNumber: '110105199001019999' })).toEqual([]);
    expect((await refused(compliance.api.privacy.lookup({}))).status).toBe(400);
  });

  it('includes an object an analyst adds later, once it declares its subject field — without code', async () => {
    await analyst.api.meta.createObject({
      key: 'wealth_visit', label: { 'zh-CN': '理财回访', en: 'Wealth visit' }, titleField: 'topic',
      fields: [
        { key: 'client', label: { 'zh-CN': '客户', en: 'Client' }, type: 'relation', target: 'customer' },
        { key: 'topic', label: { 'zh-CN': '主题', en: 'Topic' }, type: 'text' },
      ],
    });
    const role = await security.api.admin.getRole('compliance');
    await security.api.admin.updateRole('compliance', { permissions: [...role.permissions, { object: 'wealth_visit', actions: ['create', 'read'], scope: 'all' }] });
    const visit = await compliance.api.records.create('wealth_visit', { client: a.customer.id, topic: '年度理财回访' });
    const ids = async () => (await compliance.api.privacy.subject(a.customer.id)).records.map((r) => r.id);
    // A relation alone does not make a record the subject's: the declaration does.
    expect(await ids()).not.toContain(visit.id);
    expect((await refused(analyst.api.meta.updateObject('wealth_visit', { subjectField: 'topic' }))).status).toBe(400);
    expect((await analyst.api.meta.updateObject('wealth_visit', { subjectField: 'client' })).subjectField).toBe('client');
    expect(await ids()).toContain(visit.id);
    expect((await compliance.api.privacy.subject(b.customer.id)).records.map((r) => r.id)).not.toContain(visit.id);
  });

  it('denies everyone without the privacy right, answers 404 for what is not a customer, and audits the read', async () => {
    for (const c of [rm, analyst, auditor]) {
      expect((await refused(c.api.privacy.subject(a.customer.id))).status).toBe(403);
      expect((await refused(c.api.privacy.createRequest({ subjectId: a.customer.id, right: 'access', channel: 'branch' }))).status).toBe(403);
    }
    const notCustomer = await refused(compliance.api.privacy.subject(a.ids.interaction[0]!));
    expect([notCustomer.status, notCustomer.code]).toEqual([404, 'privacy.subject_not_found']);
    expect((await refused(compliance.api.privacy.subject('not-a-uuid'))).status).toBe(404);
    expect((await refused(compliance.api.privacy.createRequest({ subjectId: a.ids.complaint[0]!, right: 'access', channel: 'branch' }))).status).toBe(404);
    expect((await refused(compliance.api.privacy.createRequest({ subjectId: a.customer.id, right: 'erase' as never, channel: 'branch' }))).status).toBe(400);
    const reads = await auditor.api.audit.list({ action: 'privacy.subject.read', recordId: a.customer.id });
    expect(reads.items.length).toBeGreaterThan(0);
    expect(reads.items[0]!.actorName).toBe('compliance');
  });
});

describe('requests as a process', () => {
  it('a copy: 15 working days on the bank calendar, verified, packaged, downloaded once by its handler', async () => {
    const r = await compliance.api.privacy.createRequest({ subjectId: a.customer.id, right: 'copy', channel: 'branch' });
    const days = (Date.parse(r.dueAt) - Date.now()) / 86400_000;
    // 15 working days are three calendar weeks, or more over holidays.
    expect(days).toBeGreaterThan(19);
    expect(days).toBeLessThan(23);
    expect((await compliance.api.privacy.getRequest(r.id))).toMatchObject({ id: r.id, right: 'copy', status: 'received', dueAt: r.dueAt, overdue: false, packageReady: false });
    await run(r.processInstanceId!);
    const done = await until(async () => {
      const v = await compliance.api.privacy.getRequest(r.id);
      return v.status === 'answered' && v;
    }, { what: 'the copy request answered' });
    expect(done.result).toMatchObject({ counts: { customer: 1, holding: 2, interaction: 1, complaint: 1, consent: 1 } });
    // The package is built by a background job whose starter is the request's handler.
    const jobId = (done.result as { package: { jobId: string } }).package.jobId;
    const job = await until(async () => {
      const j = await compliance.api.jobs.get(jobId);
      return j.status === 'done' && j;
    }, { what: 'the export job' });
    expect(job).toMatchObject({ kind: 'privacy.export', status: 'done', result: { requestId: r.id, attachments: 1 } });
    expect(job.progress.done).toBe(job.progress.total);
    expect([403, 404]).toContain((await refused(manager.api.jobs.get(jobId))).status);
    expect((await compliance.api.privacy.getRequest(r.id)).packageReady).toBe(true);
    expect(done.answeredAt).not.toBeNull();

    // Another privacy officer may see the request, never take its package.
    const stolen = await refused(manager.api.privacy.downloadPackage(r.id));
    expect([stolen.status, stolen.code]).toEqual([403, 'privacy.not_handler']);
    const zip = await JSZip.loadAsync(await compliance.api.privacy.downloadPackage(r.id));
    const gone = await refused(compliance.api.privacy.downloadPackage(r.id));
    expect([gone.status, gone.code]).toEqual([410, 'privacy.package_gone']);
    expect((await compliance.api.privacy.getRequest(r.id)).packageReady).toBe(false);

    const names = Object.keys(zip.files);
    expect(names).toContain(`附件/${a.fileId}-隐私甲-身份证.pdf`);
    expect(await zip.file(`附件/${a.fileId}-隐私甲-身份证.pdf`)!.async('string')).toContain('隐私甲');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await zip.file('个人信息副本.xlsx')!.async('arraybuffer'));
    const sheet = (name: string) => wb.getWorksheet(name)!;
    const rows = (name: string) => {
      const out: Record<string, unknown>[] = [];
      const ws = sheet(name);
      const header = (ws.getRow(1).values as unknown[]).slice(1).map(String);
      ws.eachRow((row, n) => {
        if (n > 1) out.push(Object.fromEntries(header.map((h, i) => [h, (row.values as unknown[])[i + 1]])));
      });
      return out;
    };
    // One sheet per object, labelled in Chinese, with the subject's own values in clear.
    expect(rows('客户')).toEqual([expect.objectContaining({ 记录编号: a.customer.id, 客户名称: '隐私甲', 身份证号: a.idNumber })]);
    expect(rows('金融资产持有').map((x) => x.记录编号).sort()).toEqual([...a.ids.holding].sort());
    for (const [label, object] of [['客户互动', 'interaction'], ['客户投诉', 'complaint'], ['授权同意记录', 'consent']] as const) {
      expect([label, rows(label).map((x) => x.记录编号)]).toEqual([label, a.ids[object]]);
    }
    expect(rows('理财回访')).toHaveLength(1);
    expect(rows('依法留存说明')).toHaveLength(2);
    // Nothing of the other customer anywhere in the workbook.
    const everything: string[] = [];
    wb.eachSheet((ws) => ws.eachRow((row) => everything.push(JSON.stringify(row.values))));
    const text = everything.join('\n');
    for (const v of [b.customer.id, ...Object.values(b.ids).flat(), '隐私乙', b.idNumber, b.mobile]) expect(text).not.toContain(v);
    expect(names.some((n) => n.includes(b.fileId))).toBe(false);
    const downloads = await auditor.api.audit.list({ action: 'privacy.package.download', recordId: r.id });
    expect(downloads.items.map((x) => [x.actorName, x.outcome]).sort()).toEqual([['compliance', 'success'], ['manager', 'denied']]);
  });
});

describe('deletion, correction, withdrawal and the deadline', () => {
  it('a deletion needs a second person, anonymises what may go, keeps with the reason what must stay, and the audit still verifies', async () => {
    const countBefore = await withClient(srv.dbUrl, async (db) => (await db.query(`SELECT count(*)::int AS n FROM crm_data.customer`)).rows[0].n as number);
    const r = await compliance.api.privacy.createRequest({ subjectId: a.customer.id, right: 'delete', channel: 'app' });
    const verify = await taskFor(compliance, r.processInstanceId!, 'verify');
    await compliance.api.tasks.complete(verify.id, { variables: { verified: true } });
    const approve = await taskFor(manager, r.processInstanceId!, 'approveDeletion');
    // Four-eyes: the officer who registered and verified it may not approve it.
    expect((await refused(compliance.api.tasks.complete(approve.id, { variables: { approved: true } }))).status).toBe(403);
    expect((await compliance.api.privacy.getRequest(r.id)).status).toBe('verified');
    await manager.api.tasks.complete(approve.id, { variables: { approved: true } });
    const answer = await taskFor(compliance, r.processInstanceId!, 'answer');
    const fulfilled = await compliance.api.privacy.getRequest(r.id);
    expect(fulfilled.status).toBe('fulfilled');
    // The answer says what was kept, why and until when.
    const kept = (fulfilled.result as { kept: { object: string; id: string; reason: string; reasonText: string; until: string | null }[] }).kept;
    expect(kept.map((k) => [k.id, k.reason]).sort()).toEqual([[a.ids.holding[0], 'aml_retention'], [a.ids.holding[1], 'open_loan']].sort());
    expect(kept.every((k) => k.reasonText.length > 5 && k.until === null)).toBe(true);
    await compliance.api.tasks.complete(answer.id, { variables: {} });
    await until(async () => (await compliance.api.privacy.getRequest(r.id)).status === 'answered');

    // The customer can no longer be found by ID number or mobile; the record stays (counts add up), emptied.
    expect(await compliance.api.privacy.lookup({ idNumber: a.idNumber })).toEqual([]);
    expect(await compliance.api.privacy.lookup({ mobile: a.mobile })).toEqual([]);
    expect((await rm.api.customers.lookup({ idNumber: a.idNumber })).items).toEqual([]);
    const customer = await compliance.api.records.get('customer', a.customer.id);
    expect(customer).toMatchObject({ name: '已删除', id_number: null, mobile: null, email: null, documents: null, customer_type: 'individual' });
    expect(await withClient(srv.dbUrl, async (db) => (await db.query(`SELECT count(*)::int AS n FROM crm_data.customer`)).rows[0].n)).toBe(countBefore);
    const stored = await withClient(srv.dbUrl, async (db) => (await db.query(`SELECT id_number, id_number__h, mobile__h FROM crm_data.customer WHERE id = $1`, [a.customer.id])).rows[0]);
    expect(stored).toEqual({ id_number: null, id_number__h: null, mobile__h: null });
    const interaction = await compliance.api.records.get('interaction', a.ids.interaction[0]!);
    expect(interaction).toMatchObject({ subject: '已删除', content: null, kind: 'call' });
    expect((await compliance.api.records.get('complaint', a.ids.complaint[0]!)).description).toBe('已删除');
    // Held records are kept as they were.
    expect((await compliance.api.records.get('holding', a.ids.holding[1]!))).toMatchObject({ category: 'loan', balance: '50000.00', status: 'active' });
    // The attachment is erased; the other customer is untouched.
    expect((await refused(rm.api.files.download(a.fileId))).status).toBe(404);
    expect((await compliance.api.records.get('customer', b.customer.id))).toMatchObject({ name: '隐私乙' });
    expect(await compliance.api.privacy.lookup({ idNumber: b.idNumber })).toHaveLength(1);

    // The trail keeps the fact of the deletion without the deleted values, and still verifies.
    const entries = await auditor.api.audit.list({ action: 'privacy.anonymise', recordId: a.customer.id });
    expect(entries.items).toHaveLength(1);
    const data = JSON.stringify(entries.items[0]!.data);
    expect(entries.items[0]!.data).toMatchObject({ request: r.id, fields: expect.arrayContaining(['name', 'id_number', 'mobile', 'documents']) });
    for (const v of ['隐私甲', a.idNumber, a.mobile]) expect(data).not.toContain(v);
    const v = await until(async () => {
      const res = await auditor.api.audit.verify();
      return res.ok ? res : null;
    });
    expect(v.ok).toBe(true);
  });

  it('a rejected approval anonymises nothing', async () => {
    const c = await person('隐私丁');
    const r = await compliance.api.privacy.createRequest({ subjectId: c.customer.id, right: 'delete', channel: 'branch' });
    const verify = await taskFor(compliance, r.processInstanceId!, 'verify');
    await compliance.api.tasks.complete(verify.id, { variables: { verified: true } });
    const approve = await taskFor(manager, r.processInstanceId!, 'approveDeletion');
    await manager.api.tasks.complete(approve.id, { variables: { approved: false } });
    await until(async () => (await compliance.api.privacy.getRequest(r.id)).status === 'rejected');
    expect((await compliance.api.records.get('customer', c.customer.id)).name).toBe('隐私丁');
  });

  it('a correction goes through the ordinary record update, with the request as the audited reason', async () => {
    const r = await compliance.api.privacy.createRequest({ subjectId: b.customer.id, right: 'correct', channel: 'call_center' });
    const current = await compliance.api.records.get('customer', b.customer.id);
    const fixed = await compliance.api.privacy.correct(r.id, { object: 'customer', recordId: b.customer.id, changes: { email: 'fixed@example.cn' }, version: current.version });
    expect(fixed.email).toBe('fixed@example.cn');
    // Only records of the request's subject, and only within a correction request.
    expect((await refused(compliance.api.privacy.correct(r.id, { object: 'customer', recordId: a.customer.id, changes: { email: 'x@example.cn' }, version: 1 }))).code).toBe('privacy.not_correctable');
    // The caller's own rights apply: validation too.
    expect((await refused(compliance.api.privacy.correct(r.id, { object: 'customer', recordId: b.customer.id, changes: { email: 'not an e-mail' }, version: fixed.version }))).status).toBe(400);
    const why = await auditor.api.audit.list({ action: 'privacy.correct', recordId: b.customer.id });
    expect(why.items[0]!.data).toMatchObject({ request: r.id, fields: ['email'] });
    expect((await auditor.api.audit.list({ action: 'record.update', recordId: b.customer.id })).items.length).toBeGreaterThan(0);
  });

  it('a consent withdrawal is recorded in the consent ledger and reported back', async () => {
    const r = await compliance.api.privacy.createRequest({ subjectId: b.customer.id, right: 'withdraw', channel: 'app' });
    await run(r.processInstanceId!);
    const done = await until(async () => {
      const v = await compliance.api.privacy.getRequest(r.id);
      return v.status === 'answered' && v;
    });
    expect(done.result).toMatchObject({ withdrawn: [{ id: b.ids.consent[0], purpose: 'marketing' }] });
    expect(await compliance.api.records.get('consent', b.ids.consent[0]!)).toMatchObject({ withdrawn: true });
  });

  it('a request left open past its deadline escalates to the manager and shows in the DPO report', async () => {
    await compliance.api.privacy.setHoliday('2026-12-31', { name: '测试假日' });
    expect((await compliance.api.privacy.holidays(2026)).map((h) => h.day)).toContain('2026-12-31');
    const r = await compliance.api.privacy.createRequest({ subjectId: b.customer.id, right: 'access', channel: 'branch' });
    const job = await withClient(srv.dbUrl, (db) => db.query(`SELECT id, due_at FROM crm.wf_jobs WHERE instance_id = $1 AND activity_id = 'deadline'`, [r.processInstanceId]));
    expect(job.rows).toHaveLength(1);
    expect(new Date(job.rows[0].due_at).toISOString()).toBe(r.dueAt);
    // The deadline passes (the workflow clock: the timer job falls due now).
    await withClient(srv.dbUrl, (db) => db.query(`UPDATE crm.wf_jobs SET due_at = now() WHERE id = $1`, [job.rows[0].id]));
    const escalated = await taskFor(manager, r.processInstanceId!, 'escalated');
    expect(escalated.name).toContain('逾期');
    const v = await until(async () => {
      const x = await compliance.api.privacy.getRequest(r.id);
      return x.escalatedAt ? x : null;
    });
    expect(v.status).toBe('received');
    const report = await compliance.api.reports.run('bank_pipl_overdue');
    expect(report.rows).toEqual([expect.objectContaining({ right: 'access', requests: 1 })]);
    const open = await compliance.api.reports.run('bank_pipl_open_by_right');
    expect(open.rows.some((x) => x.right === 'access')).toBe(true);
    const answered = await compliance.api.reports.run('bank_pipl_time_to_answer');
    expect(answered.rows.map((x) => x.right).sort()).toEqual(['copy', 'delete', 'withdraw']);
    // The process admin sees the instance waiting on both the verification and the escalation.
    expect((await admin.api.instances.get(r.processInstanceId!)).activeActivities.sort()).toEqual(['escalated', 'handling', 'verify']);
  });
});
