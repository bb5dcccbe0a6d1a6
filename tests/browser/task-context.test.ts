/**
 * The approver sees what they approve (issue 19): the branch manager's loan approval shows the loan —
 * its customer, amount and product by name, with a link — beside the choices the process offers (同意 /
 * 驳回) and a comment; the inbox row names the record and its due time. A customer manager's
 * claimable task is counted in the badge, and after 认领 it stays in view under 我的任务.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { type ApiClient, type RecordData, type Task } from '@crm/shared';
import { type Watched, apiAs as as, browserSession, realErrors, shot, signIn, signOut } from './browser.js';
import { until } from '../harness/until.js';

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="D" targetNamespace="t">`;
const CHECK = `${HEAD}<bpmn:process id="customer_check" name="客户资料核对" isExecutable="true">
  <bpmn:startEvent id="s" crm:inputs="object,recordId"/>
  <bpmn:userTask id="check" name="核对客户资料" crm:candidateGroups="rm" crm:outputs="decision,comment"/>
  <bpmn:exclusiveGateway id="g" default="back"/>
  <bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="check"/><bpmn:sequenceFlow id="f2" sourceRef="check" targetRef="g"/>
  <bpmn:sequenceFlow id="ok" name="资料无误" sourceRef="g" targetRef="e1"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">=decision = "confirm"</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="back" name="需补充资料" sourceRef="g" targetRef="e2"/>
</bpmn:process></bpmn:definitions>`;


describe('tasks with their business', () => {
  const session = browserSession();
  let page: Page;
  let w: Watched;
  let base: string;
  let rm: ApiClient, manager: ApiClient, analyst: ApiClient;
  let customer: RecordData;

  beforeAll(async () => {
    ({ page, w } = session);
    base = session.srv.baseUrl;
    [rm, manager, analyst] = await Promise.all(['rm', 'manager', 'analyst'].map((u) => as(base, u)));
    const me = await rm.me();
    customer = (await rm.records.query('customer', { filter: { owner_id: me.id, customer_type: 'individual' }, limit: 1 })).items[0]!;
  });

  it("the manager's loan approval shows the loan's customer, amount and product beside 同意 / 驳回", async () => {
    const product = (await rm.records.query('product', { limit: 1 })).items[0]!;
    const loan = await rm.records.create('loan_application', { customer: customer.id, product: product.id, amount: '368000.00', term_months: 36, purpose: '装修' });
    const task: Task = await until(async () => (await manager.tasks.list('mine')).items.find((t) => t.context?.recordId === loan.id));
    await page.setViewportSize({ width: 1366, height: 768 });
    await signIn(page, base, 'manager');
    await page.goto(`${base}/tasks?scope=mine&task=${task.id}`);
    const record = page.locator('[data-testid=task-record]');
    await record.waitFor();
    await expect(record.textContent()).resolves.toContain(String(loan.application_no));
    await record.locator('[data-field=customer]', { hasText: String(customer.name) }).waitFor();
    await record.locator('[data-field=product]', { hasText: String(product.name) }).waitFor();
    expect(await record.locator('[data-field=amount]').textContent()).toMatch(/368,000\.00/);
    expect(await record.locator('[data-testid=task-record-link]').getAttribute('href')).toBe(`/records/loan_application/${loan.id}`);
    // The inbox row names the loan and when it is due.
    const row = page.locator(`[data-task="${task.id}"]`);
    await expect(row.locator('[data-testid=task-row-context]').textContent()).resolves.toContain(String(loan.application_no));
    await row.locator('[data-testid=task-row-due]').waitFor();
    // The process's choices, with a comment.
    const outcomes = page.locator('[data-testid=task-outcomes]');
    // (Ant Design spaces out a two-character button label: 同 意.)
    expect((await outcomes.locator('button[data-outcome]').allTextContents()).map((x) => x.replace(/\s/g, ''))).toEqual(['同意', '驳回']);
    await shot(page, 'task-loan-approval-1366');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'task-loan-approval-390');
    await page.setViewportSize({ width: 1366, height: 768 });
    await outcomes.locator('[data-testid=task-comment]').fill('收入稳定，同意放款');
    await outcomes.locator('button[data-outcome=approve]').click();
    await page.locator('[data-testid=task-done]').waitFor();
    await until(async () => (await rm.records.get('loan_application', loan.id)).status === 'approved');
    const inst = (await analyst.instances.list({ definitionKey: 'bank_loan_application' })).find((i) => i.businessKey === loan.id)!;
    // (The model maps only the decision and the approver out of the task: the comment stays in the task's scope.)
    expect((await manager.instances.get(inst.id)).variables).toMatchObject({ creditDecision: 'approve', firstApprover: 'manager' });
    expect(realErrors(w.errors)).toEqual([]);
  });

  it('a claimable task is counted, shows its customer, and stays in view after 认领', async () => {
    await analyst.processes.deploy({ bpmnXml: CHECK });
    const inst = await analyst.processes.start('customer_check', { variables: { object: 'customer', recordId: customer.id } });
    const task: Task = await until(async () => (await rm.tasks.list('candidate')).items.find((t) => t.processInstanceId === inst.id));
    const open = (await rm.tasks.list('mine')).items.length + (await rm.tasks.list('candidate')).items.length;
    await signOut(page);
    await signIn(page, base, 'rm');
    // The header badge counts assigned and claimable tasks alike.
    const badge = page.locator('.app-header .ant-badge .ant-scroll-number').first();
    await until(async () => (await badge.count()) > 0 && (await badge.getAttribute('title')) === String(open), { ms: 10_000, everyMs: 200, what: () => `the badge to count ${open}` });
    await page.goto(`${base}/tasks?scope=candidate`);
    const row = page.locator(`[data-task="${task.id}"]`);
    await expect(row.locator('[data-testid=task-row-context]').textContent()).resolves.toContain(String(customer.name));
    await row.click();
    await page.locator('[data-testid=task-record]', { hasText: String(customer.name) }).waitFor();
    await page.locator('[data-testid=claim-task]').click();
    // Claimed: the inbox follows the task to 我的任务, the panel stays, the outcomes are offered.
    await page.waitForURL((u) => u.searchParams.get('scope') === 'mine' && u.searchParams.get('task') === task.id);
    await page.locator('[data-testid=task-outcomes] button[data-outcome=confirm]', { hasText: '资料无误' }).waitFor();
    await page.locator(`[data-task="${task.id}"]`).waitFor();
    expect(await page.locator('[data-testid=task-outcomes] button[data-outcome=reject]').textContent()).toContain('需补充资料');
    await shot(page, 'task-claimed-1366');
    await page.locator('[data-testid=task-outcomes] button[data-outcome=confirm]').click();
    await page.locator('[data-testid=task-done]').waitFor();
    expect((await analyst.instances.get(inst.id)).state).toBe('completed');
    expect(realErrors(w.errors)).toEqual([]);
  });
});
