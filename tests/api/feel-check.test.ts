/**
 * The semantic FEEL check at publish and deploy: a form rule or a process condition that names an
 * unknown field (a typo), a field's Chinese label, or uses a full-width operator parses — and would
 * never fire. Publishing such a form and deploying such a process are 400, naming the problem in
 * Chinese (and English for an English caller); nothing is published or deployed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';
import { as, login, refused } from '../harness/http.js';
import { chain, definitions } from './workflow-bpmn.js';

type Client = Awaited<ReturnType<typeof as>>;
let srv: TestServer;
let analyst: Client;

const CASES: [string, string, string][] = [
  ['amont > 1000000', 'feel.unknown_name', '未知的字段或变量“amont”，是否想写 amount？'],
  ['预约金额 > 1000000', 'feel.label_as_name', '“预约金额”是字段的显示名称，表达式中请使用字段键 amount'],
  ['amount ＞ 1000000', 'feel.fullwidth', '第 8 个字符“＞”是全角符号，请改为半角“>”（切换到英文输入法）'],
];

/** A one-gateway approval whose "big amount" branch has the given condition. */
function approval(id: string, condition: string): string {
  return definitions(`<bpmn:process id="${id}" name="理财预约审批" isExecutable="true">
  <bpmn:startEvent id="start" crm:inputs="amount,remark"/>
  <bpmn:exclusiveGateway id="gw" default="small"/>
  <bpmn:userTask id="approve" name="审批" crm:candidateGroups="manager"/>
  <bpmn:endEvent id="end"/>
  <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
  <bpmn:sequenceFlow id="big" sourceRef="gw" targetRef="approve"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=${condition.replace(/>/g, '&gt;')}</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="small" sourceRef="gw" targetRef="end"/>
  <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="end"/>
</bpmn:process>`);
}

beforeAll(async () => {
  srv = await startServer();
  analyst = await as(srv.baseUrl, 'analyst');
  await analyst.api.meta.createObject({
    key: 'wealth_appt',
    label: '理财预约',
    fields: [
      { key: 'amount', label: { 'zh-CN': '预约金额', en: 'Amount' }, type: 'money' },
      { key: 'remark', label: '备注', type: 'textarea' },
    ],
  });
});
afterAll(async () => {
  await srv?.stop();
});

describe('publishing a form', () => {
  it('is refused when a rule names an unknown field, a label, or uses a full-width operator', async () => {
    for (const [i, [when, code, message]] of CASES.entries()) {
      const key = `appt_form_${i}`;
      await analyst.api.meta.createForm({ key, object: 'wealth_appt', title: '理财预约', layout: [{ field: 'amount' }, { field: 'remark' }], rules: [{ when, require: ['remark'] }] });
      const e = await refused(analyst.api.meta.publishForm(key));
      expect(e.status).toBe(400);
      expect(e.code).toBe('meta.invalid_form_feel');
      expect(e.message).toContain(message);
      expect(e.details).toEqual([{ path: '/rules/0/when', code, message }]);
      expect((await analyst.api.meta.getForm(key)).latestVersion).toBe(0);
    }
  });

  it('names a computed field\'s problem too, and in English for an English caller', async () => {
    await analyst.api.meta.createForm({ key: 'appt_en', object: 'wealth_appt', title: 'x', layout: [{ field: 'amount' }], rules: [{ when: 'amont > 1', show: ['remark'] }] });
    const token = await login(srv.baseUrl, 'analyst');
    const en = createClient({ baseUrl: srv.baseUrl, getToken: () => token, getLanguage: () => 'en' });
    const e = await refused(en.meta.publishForm('appt_en'));
    expect(e.details).toEqual([{ path: '/rules/0/when', code: 'feel.unknown_name', message: 'Unknown field or variable "amont" — did you mean amount?' }]);
  });

  it('publishes the corrected form', async () => {
    await analyst.api.meta.createForm({ key: 'appt_ok', object: 'wealth_appt', title: '理财预约', layout: [{ field: 'amount' }, { field: 'remark' }], rules: [{ when: 'amount > 1000000', require: ['remark'] }] });
    expect(await analyst.api.meta.publishForm('appt_ok')).toEqual({ version: 1 });
  });
});

describe('deploying a process', () => {
  it('is refused when a condition names an unknown field, a label, or uses a full-width operator', async () => {
    for (const [i, [condition, code, message]] of CASES.entries()) {
      const e = await refused(analyst.api.processes.deploy({ bpmnXml: approval(`appt_approval_${i}`, condition) }));
      expect(e.status).toBe(400);
      expect(e.code).toBe('workflow.bpmn_feel');
      expect(e.details).toEqual([expect.objectContaining({ path: 'big', code, message: `condition: ${message}` })]);
      expect(e.message).toContain(message);
    }
    const deployed = await analyst.api.processes.list();
    expect(deployed.map((d) => d.key)).not.toContain('appt_approval_0');
  });

  it('deploys the corrected process, and names declared by the model itself', async () => {
    expect((await analyst.api.processes.deploy({ bpmnXml: approval('appt_approval', 'amount > 1000000 and remark = null') })).version).toBe(1);
    // A name only a step sets (a result variable) is known; a name close to none (a caller may pass it) is not refused.
    const own = chain('own_names', [
      '<bpmn:startEvent id="s" crm:inputs="x"/>',
      '<bpmn:scriptTask id="t" crm:resultVariable="doubled" scriptFormat="feel"><bpmn:script>= x * 2</bpmn:script></bpmn:scriptTask>',
      '<bpmn:endEvent id="e"/>',
    ]);
    expect((await analyst.api.processes.deploy({ bpmnXml: own })).key).toBe('own_names');
    expect((await analyst.api.processes.deploy({ bpmnXml: approval('appt_caller', 'level_from_caller > 3') })).version).toBe(1);
    // A typo of a name the model declares is refused like one of a field.
    const typo = await refused(analyst.api.processes.deploy({ bpmnXml: approval('appt_typo', 'remakr = null') }));
    expect(typo.details).toEqual([expect.objectContaining({ code: 'feel.unknown_name', message: 'condition: 未知的字段或变量“remakr”，是否想写 remark？' })]);
  });
});
