/**
 * A BPMN file is imported in the process designer, its task gets an assignee in the crm: properties
 * panel, the process is deployed and started; another user completes the task from the inbox and the
 * instance viewer shows the process finished.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { type BrowserSession, type Watched, browserSession, realErrors, shot, signIn, signOut } from './browser.js';

const KEY = `complaint_review_${Date.now().toString(36).slice(-5)}`;

const BPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="urn:test">
  <bpmn:process id="${KEY}" name="投诉复核" isExecutable="true">
    <bpmn:startEvent id="start" name="收到投诉"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="review" name="主管复核" camunda:assignee="rm"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end" name="办结"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram">
    <bpmndi:BPMNPlane id="plane" bpmnElement="${KEY}">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="160" y="100" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="review_di" bpmnElement="review"><dc:Bounds x="260" y="78" width="100" height="80" /></bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="end_di" bpmnElement="end"><dc:Bounds x="430" y="100" width="36" height="36" /></bpmndi:BPMNShape>
      <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="196" y="118" /><di:waypoint x="260" y="118" /></bpmndi:BPMNEdge>
      <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="360" y="118" /><di:waypoint x="430" y="118" /></bpmndi:BPMNEdge>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;

describe('process designer → inbox → instance viewer', () => {
  const session = browserSession();
  let srv: BrowserSession['srv'];
  let w: Watched;
  let page: Page;
  let instanceUrl = '';

  beforeAll(() => {
    ({ srv, w, page } = session);
  });

  it('imports a BPMN file, sets the assignee in the properties panel and deploys', async () => {
    await signIn(page, srv.baseUrl, 'analyst');
    await page.goto(`${srv.baseUrl}/design/processes/new`);
    await page.locator('[data-testid=bpmn-canvas] [data-element-id="task1"]').waitFor();
    await page.locator('[data-testid=import-bpmn-wrap] input[type=file]')
      .setInputFiles({ name: 'complaint-review.bpmn', mimeType: 'application/xml', buffer: Buffer.from(BPMN) });
    const task = page.locator('[data-testid=bpmn-canvas] [data-element-id="review"]');
    await task.waitFor();
    // Another engine's attribute is named on import, with ours; bpmn-js speaks Chinese.
    await page.locator('[data-testid=deploy-warnings]', { hasText: 'camunda:assignee，请改用 crm:assignee' }).waitFor();
    await page.locator('.djs-palette [data-action="create.start-event"][title="开始事件"]').waitFor();
    await task.click();
    const assignee = page.locator('[data-testid=prop-assignee] input').first();
    await assignee.waitFor();
    await assignee.fill('manager');
    await page.keyboard.press('Escape');
    // Due in 3 days without typing ISO 8601.
    await page.locator('[data-testid=due-duration] input').first().fill('3');
    expect(await page.locator('[data-testid=prop-dueDate] input.ant-input').inputValue()).toBe('P3D');
    // The process's own properties from the canvas, whatever is selected.
    await page.click('[data-testid=process-props]');
    await page.locator('[data-testid=bpmn-props] h5', { hasText: '流程' }).waitFor();
    expect(await page.locator('[data-testid=prop-name]').inputValue()).toBe('投诉复核');
    await page.click('[data-testid=validate-bpmn]');
    await page.locator('[data-testid=validation-result]').waitFor();
    await shot(page, 'flow2-01-designer');
    await page.click('[data-testid=deploy-bpmn]');
    await page.locator('[data-testid=deployed-version]', { hasText: 'v1' }).waitFor();
    await page.waitForURL(new RegExp(`/design/processes/${KEY}$`));
    await shot(page, 'flow2-02-deployed');
  }, 120_000);

  it('starts the process', async () => {
    await page.click('[data-testid=start-process]');
    await page.fill('[data-testid=start-business-key]', 'TS-0001');
    await page.locator('.ant-modal .ant-btn-primary').click();
    await page.waitForURL(/\/instances\/[^/]+$/);
    instanceUrl = page.url();
    await page.locator('[data-testid=instance-state][data-state=active]').waitFor();
    await page.locator('[data-testid=instance-diagram] .marker-active').first().waitFor();
    await shot(page, 'flow2-03-instance-active');
    expect(realErrors(w.errors)).toEqual([]);
  }, 120_000);

  it('another user completes the task from the inbox; the viewer shows the instance finished', async () => {
    await signOut(page);
    await signIn(page, srv.baseUrl, 'manager');
    await page.goto(`${srv.baseUrl}/tasks?scope=mine`);
    const item = page.locator('[data-task-name="主管复核"]').first();
    await item.waitFor();
    // The inbox names the task's process (from `processDefinitionKey`, the key the server sends).
    await item.getByText('投诉复核').waitFor();
    const taskId = await item.getAttribute('data-task');
    await item.click();
    await shot(page, 'flow2-04-inbox');
    await page.click('[data-testid=complete-task]');
    await page.locator('[data-testid=task-done]').waitFor();
    // The inbox refetches after completion and the task leaves the list: the result must stay on screen.
    await page.locator(`[data-task="${taskId}"]`).waitFor({ state: 'detached' });
    expect(await page.locator('[data-testid=task-done]').isVisible()).toBe(true);
    await page.goto(instanceUrl);
    await page.locator('[data-testid=instance-state][data-state=completed]').waitFor();
    await page.locator('[data-testid=instance-diagram] .marker-done').first().waitFor();
    await shot(page, 'flow2-05-instance-completed');
    expect(realErrors(w.errors)).toEqual([]);
  }, 120_000);
});
