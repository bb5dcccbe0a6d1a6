/**
 * An object's validation rules hold on every path that writes a record: the records API (create and
 * update), a published form's submit, an import, and a process's record update (the bank pack's
 * `bank-record-patch` service task). The metadata API checks a rule's FEEL against the object's
 * fields when it is saved: a typo, a field's Chinese label or a full-width operator is a 400 naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ImportStatus, ObjectRule } from '@crm/shared';
import { createClient } from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';
import { as, login, refused } from '../harness/http.js';
import { until } from '../harness/until.js';
import { withClient } from '../harness/db.js';
import { chain } from './workflow-bpmn.js';

type Client = Awaited<ReturnType<typeof as>>;
let srv: TestServer;
let analyst: Client, security: Client, rm: Client, admin: Client;

const REMARK_RULE: ObjectRule = {
  key: 'big_needs_remark',
  when: 'amount > 1000000',
  require: ['remark'],
  message: { 'zh-CN': '预约金额超过 100 万元时必须填写备注', en: 'A remark is required above 1,000,000' },
};

const row = (sql: string, params: unknown[]) => withClient(srv.dbUrl, async (db) => (await db.query(sql, params)).rows);

beforeAll(async () => {
  srv = await startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '10', CRM_JOB_POLL_MS: '100', CRM_JOB_BACKOFF_MS: '100' }, timeoutMs: 120000 });
  [analyst, security, rm, admin] = await Promise.all(['analyst', 'security', 'rm', 'admin'].map((u) => as(srv.baseUrl, u)));
  await analyst.api.meta.createObject({
    key: 'wealth_appt',
    label: { 'zh-CN': '理财预约', en: 'Wealth appointment' },
    fields: [
      { key: 'client_name', label: { 'zh-CN': '客户姓名', en: 'Client' }, type: 'text', required: true },
      { key: 'amount', label: { 'zh-CN': '预约金额', en: 'Amount' }, type: 'money', required: true },
      { key: 'remark', label: { 'zh-CN': '备注', en: 'Remark' }, type: 'textarea' },
      { key: 'secret_score', label: { 'zh-CN': '内部评分', en: 'Internal score' }, type: 'integer' },
    ],
  });
  const rmRole = await security.api.admin.getRole('rm');
  await security.api.admin.updateRole('rm', {
    permissions: [...rmRole.permissions, { object: 'wealth_appt', actions: ['create', 'read', 'update'], scope: 'own', fields: { secret_score: 'none' } }],
  });
}, 150000);

afterAll(async () => {
  await srv?.stop();
});

describe('saving rules', () => {
  it('refuses FEEL naming an unknown field, a label, a full-width operator — with the problem named in Chinese', async () => {
    const cases: [string, string, RegExp][] = [
      ['amont > 1000000', 'feel.unknown_name', /未知的字段或变量“amont”，是否想写 amount/],
      ['预约金额 > 1000000', 'feel.label_as_name', /“预约金额”是字段的显示名称.*amount/],
      ['amount ＞ 1000000', 'feel.fullwidth', /全角符号.*“>”/],
      ['amount >', 'feel.syntax', /表达式不完整/],
      ['client_name > 5', 'feel.type_mismatch', /类型不匹配/],
    ];
    for (const [when, code, text] of cases) {
      const e = await refused(analyst.api.meta.updateObject('wealth_appt', { rules: [{ ...REMARK_RULE, when }] }));
      expect(e.status).toBe(400);
      expect(e.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/rules/0/when', code, message: expect.stringMatching(text) })]));
    }
    const unknownRequire = await refused(analyst.api.meta.updateObject('wealth_appt', { rules: [{ ...REMARK_RULE, require: ['remarks'] }] }));
    expect(unknownRequire.details).toEqual([expect.objectContaining({ path: '/rules/0/require/0', code: 'unknown_field' })]);
    // Nothing was stored by the refusals.
    expect((await analyst.api.meta.getObject('wealth_appt')).rules).toEqual([]);
  });

  it('only a designer saves rules; the rule is part of the object', async () => {
    expect((await refused(rm.api.meta.updateObject('wealth_appt', { rules: [REMARK_RULE] }))).status).toBe(403);
    const saved = await analyst.api.meta.updateObject('wealth_appt', { rules: [REMARK_RULE] });
    expect(saved.rules).toEqual([REMARK_RULE]);
    expect(saved.defaultForms).toEqual({});
  });

  it('refuses a default form that is not a published form of the object', async () => {
    const e = await refused(analyst.api.meta.updateObject('wealth_appt', { defaultForms: { create: 'nope' } }));
    expect(e.details).toEqual([expect.objectContaining({ path: '/defaultForms/create', code: 'not_found' })]);
  });

  it('a field a rule reads cannot be deleted', async () => {
    const e = await refused(analyst.api.meta.deleteField('wealth_appt', 'remark'));
    expect(e.status).toBe(409);
    expect(e.code).toBe('meta.field_in_rule');
  });
});

describe('the rule holds on every write path', () => {
  it('records API: create and update are refused with the field named, in the caller\'s language', async () => {
    const e = await refused(rm.api.records.create('wealth_appt', { client_name: '王五', amount: '1500000.00' }));
    expect(e.status).toBe(400);
    expect(e.details).toEqual([{ path: '/remark', code: 'rule.big_needs_remark', message: '预约金额超过 100 万元时必须填写备注' }]);
    const rmToken = await login(srv.baseUrl, 'rm');
    const en = createClient({ baseUrl: srv.baseUrl, getToken: () => rmToken, getLanguage: () => 'en' });
    const inEnglish = await refused(en.records.create('wealth_appt', { client_name: '王五', amount: '1500000.00' }));
    expect(inEnglish.details).toEqual([{ path: '/remark', code: 'rule.big_needs_remark', message: 'A remark is required above 1,000,000' }]);
    // Exactly the boundary is allowed (> 1,000,000), a remark satisfies the rule.
    const small = await rm.api.records.create('wealth_appt', { client_name: '王五', amount: '1000000.00' });
    await rm.api.records.create('wealth_appt', { client_name: '王五', amount: '1500000.00', remark: '大额客户' });
    const raised = await refused(rm.api.records.update('wealth_appt', small.id, { amount: '2000000.00', version: small.version }));
    expect(raised.details).toEqual([expect.objectContaining({ path: '/remark' })]);
    const rows = await row(`SELECT amount::text FROM crm_data.wealth_appt WHERE id = $1`, [small.id]);
    expect(rows[0].amount).toBe('1000000.00');
    expect(Number((await row(`SELECT count(*) FROM crm_data.wealth_appt WHERE amount > 1000000 AND remark IS NULL`, []))[0].count)).toBe(0);
  });

  it('a rule on a field the caller may not read refuses without naming it', async () => {
    await analyst.api.meta.updateObject('wealth_appt', {
      rules: [REMARK_RULE, { key: 'score_needed', when: 'amount > 5000000', require: ['secret_score'], message: { 'zh-CN': '超大额需内部评分', en: 'Score needed' } }],
    });
    const e = await refused(rm.api.records.create('wealth_appt', { client_name: '赵六', amount: '6000000.00', remark: '超大额' }));
    expect(e.details).toEqual([{ path: '', code: 'rule.score_needed', message: '超大额需内部评分' }]);
    await analyst.api.meta.updateObject('wealth_appt', { rules: [REMARK_RULE] });
  });

  it('form submit: a published form of the object cannot bypass the rule', async () => {
    await analyst.api.meta.createForm({ key: 'wealth_appt_form', object: 'wealth_appt', title: '理财预约', layout: [{ field: 'client_name' }, { field: 'amount' }, { field: 'remark' }] });
    await analyst.api.meta.publishForm('wealth_appt_form');
    const e = await refused(rm.api.forms.submit('wealth_appt_form', { client_name: '钱七', amount: '1500000.00' }));
    expect(e.status).toBe(400);
    expect(e.details).toEqual([expect.objectContaining({ path: '/remark', message: '预约金额超过 100 万元时必须填写备注' })]);
    expect((await rm.api.forms.submit('wealth_appt_form', { client_name: '钱七', amount: '1500000.00', remark: '已核实' })).id).toBeDefined();
    // The published form can now be the object's create and edit form.
    const bound = await analyst.api.meta.updateObject('wealth_appt', { defaultForms: { create: 'wealth_appt_form', edit: 'wealth_appt_form' } });
    expect(bound.defaultForms).toEqual({ create: 'wealth_appt_form', edit: 'wealth_appt_form' });
  });

  it('import: the violating row is rejected with the rule\'s message, the others land', async () => {
    const csv = '\uFEFF客户姓名,预约金额,备注\n孙八,1500000.00,\n周九,1500000.00,有备注\n吴十,200.00,\n';
    const started = await rm.api.imports.start(new Blob([Buffer.from(csv, 'utf8')]), 'appts.csv', { object: 'wealth_appt', mapping: { 客户姓名: 'client_name', 预约金额: 'amount', 备注: 'remark' }, mode: 'insert' });
    const s = await until(async () => {
      const x: ImportStatus = await rm.api.imports.get(started.id);
      return x.status === 'done' || x.status === 'failed' ? x : null;
    }, { ms: 60000, what: 'the import' });
    expect(s).toMatchObject({ status: 'done', inserted: 2, rejected: 1 });
    expect(s.errors).toEqual([{ row: 2, column: '备注', code: 'rule.big_needs_remark', message: '预约金额超过 100 万元时必须填写备注' }]);
    expect(await row(`SELECT client_name FROM crm_data.wealth_appt WHERE client_name IN ('孙八', '周九', '吴十') ORDER BY client_name`, [])).toEqual([{ client_name: '吴十' }, { client_name: '周九' }]);
  });

  it('a process\'s record update breaking a rule fails that step and writes nothing', async () => {
    await analyst.api.meta.updateObject('complaint', {
      rules: [{ key: 'regulator_not_closed', when: 'status = "closed"', assert: 'channel != "regulator"', message: { 'zh-CN': '监管转办的投诉不能由流程直接办结', en: 'A complaint from the regulator is not closed by a process' } }],
    });
    const mine = await rm.api.records.create('customer', { customer_type: 'individual', name: '投诉测试客户' });
    const own = await rm.api.records.create('complaint', { customer: mine.id, channel: 'regulator', category: 'fees', description: '监管转办' });
    const plain = await rm.api.records.create('complaint', { customer: mine.id, channel: 'branch', category: 'fees', description: '网点投诉' });
    const closer = (key: string, values: string) => chain(key, [
      '<bpmn:startEvent id="s" crm:inputs="complaintId"/>',
      `<bpmn:serviceTask id="close" crm:type="bank-record-patch" crm:runAs="workflow_bank"><bpmn:extensionElements><crm:ioMapping><crm:input source='="complaint"' target="object"/><crm:input source="=complaintId" target="id"/><crm:input source='=${values}' target="values"/></crm:ioMapping></bpmn:extensionElements></bpmn:serviceTask>`,
      '<bpmn:endEvent id="e"/>',
    ]);
    await analyst.api.processes.deploy({ bpmnXml: closer('closeComplaint', '{status: "closed"}') });
    const inst = await rm.api.processes.start('closeComplaint', { variables: { complaintId: own.id } });
    const stuck = await until(async () => {
      const v = (await admin.api.instances.get(inst.id)) as { state: string; incidents?: { message: string }[] };
      return v.state === 'incident' ? v : null;
    }, { ms: 60000, what: 'the incident' });
    expect(stuck.incidents?.[0]?.message ?? '').toContain('rule.regulator_not_closed 监管转办的投诉不能由流程直接办结');
    expect((await row('SELECT status FROM crm_data.complaint WHERE id = $1', [own.id]))[0].status).not.toBe('closed');
    // A complaint the rule allows closes through the same step.
    const again = await rm.api.processes.start('closeComplaint', { variables: { complaintId: plain.id } });
    await until(async () => (await admin.api.instances.get(again.id)).state === 'completed', { ms: 20000, what: async () => JSON.stringify(await admin.api.instances.get(again.id)) });
    expect((await row('SELECT status FROM crm_data.complaint WHERE id = $1', [plain.id]))[0].status).toBe('closed');
  });
});
