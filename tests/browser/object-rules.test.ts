/**
 * The analyst's 理财预约 with a rule that holds on the natural path: the rule is built in the object
 * designer's condition builder (the typo, the Chinese label and the full-width operator each show a
 * Chinese error as typed), the published form is bound to the object's 新建 page and to an approval
 * process (a form trigger); the customer manager's 新建 with 1,500,000 and no remark is refused with
 * the rule's Chinese message, a valid one is saved and starts the approval.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { as } from '../harness/http.js';
import { until } from '../harness/until.js';
import { type BrowserSession, browserSession, choose, shot, signIn, signOut, waitCount } from './browser.js';

const suffix = Date.now().toString(36).slice(-5);
const OBJECT = `wealth_appt_${suffix}`;
const FORM = `wealth_appt_form_${suffix}`;
const PROCESS = `wealth_appt_approval_${suffix}`;
const MESSAGE = '预约金额超过 100 万元时必须填写备注';

describe('理财预约: an object rule built without code holds on the 新建 page', () => {
  const session = browserSession();
  let srv: BrowserSession['srv'];
  let page: Page;

  beforeAll(async () => {
    ({ srv, page } = session);
    await page.setViewportSize({ width: 1366, height: 768 });
    const analyst = await as(srv.baseUrl, 'analyst');
    await analyst.api.meta.createObject({
      key: OBJECT, label: { 'zh-CN': '理财预约', en: 'Wealth appointment' },
      fields: [
        { key: 'client_name', label: { 'zh-CN': '客户姓名', en: 'Client' }, type: 'text', required: true },
        { key: 'amount', label: { 'zh-CN': '预约金额', en: 'Amount' }, type: 'money', required: true },
        { key: 'remark', label: { 'zh-CN': '备注', en: 'Remark' }, type: 'textarea' },
      ],
    });
    await analyst.api.meta.createForm({ key: FORM, object: OBJECT, title: '理财预约登记', layout: [{ field: 'client_name' }, { field: 'amount' }, { field: 'remark' }] });
    await analyst.api.meta.publishForm(FORM);
    await analyst.api.processes.deploy({ bpmnXml: `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" id="d" targetNamespace="urn:t">
<bpmn:process id="${PROCESS}" name="理财预约审批" isExecutable="true">
<bpmn:startEvent id="s"/><bpmn:userTask id="approve" name="审批理财预约" crm:candidateGroups="manager"/><bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="approve"/><bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="e"/>
</bpmn:process></bpmn:definitions>` });
    // Submitting the form starts the approval.
    await analyst.api.triggers.create({ processKey: PROCESS, formKey: FORM, on: 'submitted' });
    const security = await as(srv.baseUrl, 'security');
    const rm = await security.api.admin.getRole('rm');
    await security.api.admin.updateRole('rm', { permissions: [...rm.permissions, { object: OBJECT, actions: ['create', 'read', 'update'], scope: 'own' }] });
  }, 120_000);

  it('the analyst builds the rule in the condition builder; typo, label and full-width each show a Chinese error', async () => {
    await signIn(page, srv.baseUrl, 'analyst');
    await page.goto(`${srv.baseUrl}/design/objects/${OBJECT}`);
    await page.click('[data-testid=add-rule]');
    const when = page.locator('[data-testid=rule-when]');
    for (const [typed, text] of [
      ['amont > 1000000', '未知的字段或变量“amont”，是否想写 amount？'],
      ['预约金额 > 1000000', '“预约金额”是字段的显示名称，表达式中请使用字段键 amount'],
      ['amount ＞ 1000000', '全角符号'],
    ] as const) {
      await when.fill(typed);
      await page.locator('[data-testid=rule-when-error]', { hasText: text }).waitFor();
      await shot(page, `rules-feel-${typed.startsWith('amont') ? 'typo' : typed.startsWith('amount') ? 'fullwidth' : 'label'}`);
    }
    await when.fill('');
    await choose(page, '[data-testid=rule-when-builder-field-0]', '预约金额');
    await choose(page, '[data-testid=rule-when-builder-op-0]', '大于');
    await page.locator('input[data-testid=rule-when-builder-value-0], [data-testid=rule-when-builder-value-0] input').first().fill('1000000');
    await page.click('[data-testid=rule-when-builder-apply]');
    expect(await when.inputValue()).toBe('amount > 1000000');
    await waitCount(page.locator('[data-testid=rule-when-error]'), 0);
    await choose(page, '[data-testid=rule-require]', '备注');
    await page.keyboard.press('Escape');
    await page.fill('[data-testid=rule-message-zh]', MESSAGE);
    await shot(page, 'rules-builder');
    await page.click('[data-testid=save-rule]');
    await page.locator('[data-testid=object-rules] td code', { hasText: 'amount > 1000000' }).waitFor();
    // Bind the published form to the 新建 page.
    await choose(page, '[data-testid=default-form-create]', '理财预约登记');
    await page.click('[data-testid=save-default-forms]');
    await page.locator('.ant-message', { hasText: '页面表单已保存' }).waitFor();
    await shot(page, 'rules-saved');
  }, 120_000);

  it('the customer manager\'s 新建: refused with the Chinese message, then saved, which starts the approval', async () => {
    await signOut(page);
    await signIn(page, srv.baseUrl, 'rm');
    await page.goto(`${srv.baseUrl}/records/${OBJECT}/new`);
    await page.locator('text=理财预约登记').first().waitFor().catch(() => undefined);
    await page.locator('[data-field=client_name] input, #client_name').first().fill('王五');
    await page.locator('[data-field=amount] input, #amount').first().fill('1500000');
    await page.click('[data-testid=submit-form]');
    await page.locator(`text=${MESSAGE}`).first().waitFor();
    await shot(page, 'rules-refused');
    await page.locator('[data-field=remark] textarea, #remark').first().fill('客户资产已核实');
    await page.click('[data-testid=submit-form]');
    await page.waitForURL(new RegExp(`/records/${OBJECT}/[0-9a-f-]{36}$`));
    await shot(page, 'rules-saved-record');
    const id = page.url().split('/').pop()!;
    const admin = await as(srv.baseUrl, 'admin');
    const started = await until(async () => (await admin.api.instances.list({ definitionKey: PROCESS, businessKey: id }))[0], { ms: 20_000, what: 'the approval to start' });
    expect(started).toMatchObject({ definitionKey: PROCESS, businessKey: id, state: 'active' });
  }, 120_000);
});
