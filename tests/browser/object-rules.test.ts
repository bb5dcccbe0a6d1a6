/**
 * The analyst's 理财预约 with a rule that holds on the natural path: the rule is built in the object
 * designer's condition builder (the typo, the Chinese label and the full-width operator each show a
 * Chinese error as typed), the published form is bound to the object's 新建 page and to an approval
 * process (提交后发起流程 in the form designer); the customer manager's 新建 with 1,500,000 and no remark is refused with
 * the rule's Chinese message, a valid one is saved and starts the approval; 发起流程 on the record page
 * starts it again with the record as business data. The object's key comes from its label's pinyin and
 * its designer prompts to grant roles.
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

describe('理财预约: the analyst\'s object, rule, form and approval without code; the rule holds on the 新建 page', () => {
  const session = browserSession();
  let srv: BrowserSession['srv'];
  let page: Page;

  beforeAll(async () => {
    ({ srv, page } = session);
    await page.setViewportSize({ width: 1366, height: 768 });
  }, 120_000);

  it('the analyst creates the object (key from the label\'s pinyin, then the prompt to grant roles) and binds its form to the approval', async () => {
    await signIn(page, srv.baseUrl, 'analyst');
    await page.goto(`${srv.baseUrl}/design/objects`);
    await page.click('[data-testid=new-object]');
    await page.fill('#object-label', '理财预约');
    await until(async () => (await page.inputValue('#object-key')) === 'li_cai_yu_yue', { ms: 20_000, what: 'the key suggested from the label' });
    await shot(page, 'analyst-object-key');
    await page.fill('#object-key', OBJECT);
    await page.locator('.ant-modal-footer button.ant-btn-primary').click();
    await page.waitForURL(new RegExp(`/design/objects/${OBJECT}`));
    // Nobody may use a new object yet: the designer says so and offers to grant roles (the analyst may only ask).
    await page.locator('[data-testid=object-roles]', { hasText: '还没有任何角色可以使用本对象' }).waitFor();
    await page.click('[data-testid=grant-roles]');
    await page.locator('[data-testid=grant-roles-ask]').waitFor();
    await shot(page, 'analyst-grant-prompt');
    await page.keyboard.press('Escape');

    const analyst = await as(srv.baseUrl, 'analyst');
    for (const f of [
      { key: 'client_name', label: { 'zh-CN': '客户姓名', en: 'Client' }, type: 'text', required: true },
      { key: 'amount', label: { 'zh-CN': '预约金额', en: 'Amount' }, type: 'money', required: true },
      { key: 'remark', label: { 'zh-CN': '备注', en: 'Remark' }, type: 'textarea' },
    ] as const) await analyst.api.meta.addField(OBJECT, f);
    await analyst.api.meta.createForm({ key: FORM, object: OBJECT, title: '理财预约登记', layout: [{ field: 'client_name' }, { field: 'amount' }, { field: 'remark' }] });
    await analyst.api.meta.publishForm(FORM);
    await analyst.api.processes.deploy({ bpmnXml: `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" id="d" targetNamespace="urn:t">
<bpmn:process id="${PROCESS}" name="理财预约审批" isExecutable="true">
<bpmn:startEvent id="s"/><bpmn:userTask id="approve" name="审批理财预约" crm:candidateGroups="manager"/><bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="approve"/><bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="e"/>
</bpmn:process></bpmn:definitions>` });
    const security = await as(srv.baseUrl, 'security');
    const rm = await security.api.admin.getRole('rm');
    await security.api.admin.updateRole('rm', { permissions: [...rm.permissions, { object: OBJECT, actions: ['create', 'read', 'update'], scope: 'own' }] });

    // 提交后发起流程, chosen in the form designer.
    await page.goto(`${srv.baseUrl}/design/forms/${FORM}`);
    await choose(page, '[data-testid=form-process-select]', '理财预约审批');
    await page.locator('.ant-message', { hasText: '提交表单后发起该流程' }).waitFor();
    await shot(page, 'analyst-form-process');
    const triggers = await analyst.api.triggers.list();
    expect(triggers.filter((x) => 'formKey' in x && x.formKey === FORM)).toEqual([expect.objectContaining({ processKey: PROCESS, on: 'submitted' })]);
  }, 120_000);

  it('the analyst builds the rule in the condition builder; typo, label and full-width each show a Chinese error', async () => {
    await page.goto(`${srv.baseUrl}/design/objects/${OBJECT}`);
    await page.locator('[data-testid=object-roles]', { hasText: '可使用本对象的角色' }).waitFor();
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
    // Typing into the message field moves the focus, which closes the select's list (an Escape would
    // close the dialog itself if the list had already closed).
    await page.fill('[data-testid=rule-message-zh]', MESSAGE);
    await page.locator('[data-testid=rule-require] .ant-select-selection-item', { hasText: '备注' }).waitFor();
    await shot(page, 'rules-builder');
    await page.click('[data-testid=save-rule]');
    await page.locator('[data-testid=object-rules] td code', { hasText: 'amount > 1000000' }).waitFor();
    // Bind the published form to the 新建 page.
    await choose(page, '[data-testid=default-form-create]', '理财预约登记');
    await page.click('[data-testid=save-default-forms]');
    // The confirmation is a 3-second toast; what counts is the object the server now holds.
    const analyst = await as(srv.baseUrl, 'analyst');
    await until(async () => (await analyst.api.meta.getObject(OBJECT)).defaultForms?.create === FORM, { ms: 30_000, what: 'the 新建 page bound to the form' });
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

    // 发起流程 on the record page: the record is the business data, nobody types JSON.
    await page.click('[data-testid=start-for-record]');
    await page.fill('[data-testid=start-for-record-search] input', '理财预约');
    await page.locator('[data-testid=start-for-record-modal] .ant-list-item', { hasText: '理财预约审批' }).waitFor();
    await shot(page, 'analyst-start-for-record');
    await page.click(`[data-testid=start-${PROCESS}]`);
    await page.waitForURL(/\/instances\/[0-9a-f-]{36}$/);
    // The initiator sees the record's fields among the variables (the instance view hides those a reader may not read).
    const second = await (await as(srv.baseUrl, 'rm')).api.instances.get(page.url().split('/').pop()!);
    expect(second).toMatchObject({ definitionKey: PROCESS, businessKey: id });
    expect(second.variables).toMatchObject({ object: OBJECT, recordId: id, client_name: '王五', remark: '客户资产已核实' });
  }, 120_000);
});
