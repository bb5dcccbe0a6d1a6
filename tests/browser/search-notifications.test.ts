/**
 * The staff's day, three helpers (issue 19): the Ctrl+K palette finds a customer manager's customer
 * and opens it; the bell counts a new task the moment the server pushes it and opens the task; the
 * analyst draws a decision table with dmn-js (in Chinese), deploys it and tries it out.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { ApiClient, RecordData } from '@crm/shared';
import { type Watched, apiAs as as, browserSession, realErrors, shot, signIn, signOut } from './browser.js';
import { until } from '../harness/until.js';

const ASSIGNED = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" id="D" targetNamespace="t">
<bpmn:process id="bell_probe" name="回访提醒" isExecutable="true">
  <bpmn:startEvent id="s"/>
  <bpmn:userTask id="call" name="电话回访高净值客户" crm:assignee="rm"/>
  <bpmn:endEvent id="e"/>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="call"/><bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="e"/>
</bpmn:process></bpmn:definitions>`;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe('search palette, notification bell, decision tables', () => {
  const session = browserSession();
  let page: Page;
  let w: Watched;
  let base: string;
  let rm: ApiClient, analyst: ApiClient;
  let customer: RecordData;

  beforeAll(async () => {
    ({ page, w } = session);
    base = session.srv.baseUrl;
    [rm, analyst] = await Promise.all(['rm', 'analyst'].map((u) => as(base, u)));
    const me = await rm.me();
    customer = (await rm.records.query('customer', { filter: { owner_id: me.id, customer_type: 'individual' }, limit: 1 })).items[0]!;
    await analyst.processes.deploy({ bpmnXml: ASSIGNED });
  });

  it('Ctrl+K finds the customer by name and opens their 360° view with the keyboard', async () => {
    await page.setViewportSize({ width: 1366, height: 768 });
    await signIn(page, base, 'rm');
    await page.locator('[data-testid=global-search-button]').waitFor();
    await page.keyboard.press('Control+k');
    const input = page.locator('[data-testid=global-search-input]');
    await input.waitFor();
    await input.fill(String(customer.name));
    const row = page.locator('[data-testid=global-search-row]', { hasText: String(customer.name) }).first();
    await row.waitFor();
    // The customer number beside the name; no id anywhere in the palette.
    const palette = page.locator('[data-testid=global-search]');
    await expect(palette.textContent()).resolves.toContain(String(customer.customer_no));
    await page.locator('.ant-modal:not([class*="-enter"]):not([class*="-appear"])').waitFor();
    expect(await palette.textContent()).not.toMatch(UUID);
    await shot(page, 'search-palette');
    // Menu entries are found too (here: the workbench).
    await input.fill('工作台');
    await page.locator('[data-testid=global-search-row]', { hasText: '工作台' }).first().waitFor();
    await input.fill(String(customer.name));
    await row.waitFor();
    const rows = page.locator('[data-testid=global-search-row]');
    const texts = await rows.allTextContents();
    const at = texts.findIndex((x) => x.includes(String(customer.name)));
    for (let i = 0; i < at; i++) await input.press('ArrowDown');
    await input.press('Enter');
    await page.waitForURL((u) => u.pathname.includes(String(customer.id)));
    await until(async () => (await palette.count()) === 0, 10_000);
    // The search icon in the header opens it as well.
    await page.click('[data-testid=global-search-button]');
    await input.waitFor();
    await page.keyboard.press('Escape');
  });

  it('the bell counts a new task as the server pushes it, and opens it', async () => {
    await page.goto(`${base}/`);
    await page.locator('[data-testid=notification-bell]').waitFor();
    // Start from nothing unread, so the badge shows only what is pushed now.
    await rm.notifications.readAll();
    await page.reload();
    await page.locator('[data-testid=notification-bell]').waitFor();
    const badge = page.locator('[data-testid=notification-badge] .ant-badge-count');
    expect(await badge.count()).toBe(0);
    const started = await analyst.processes.start('bell_probe', {});
    // No reload: the stream brings it.
    await badge.waitFor({ timeout: 20_000 });
    expect(await badge.textContent()).toBe('1');
    await page.click('[data-testid=notification-bell]');
    const item = page.locator('[data-testid=notification-item]', { hasText: '电话回访高净值客户' });
    await item.waitFor();
    await expect(page.locator('[data-testid=notification-list]').textContent()).resolves.toContain('新待办');
    // The dropdown has finished opening (no motion class left) before the picture.
    await page.locator('.ant-popover:not([class*="-enter"]):not([class*="-appear"])').waitFor();
    await shot(page, 'notification-bell');
    const task = (await rm.tasks.list('mine')).items.find((x) => x.processInstanceId === started.id)!;
    await item.click();
    await page.waitForURL((u) => u.searchParams.get('task') === task.id);
    await until(async () => (await badge.count()) === 0, 10_000);
  });

  it('the analyst draws a decision table with dmn-js, deploys it and evaluates it', async () => {
    await signOut(page);
    await signIn(page, base, 'analyst');
    await page.goto(`${base}/design/decisions/new`);
    const editor = page.locator('[data-testid=dmn-editor]');
    await editor.locator('.tjs-table').waitFor();
    // dmn-js speaks Chinese where it translates.
    await expect(editor.textContent()).resolves.toContain('命中策略');
    // The hit policy and the columns' types too (dmn-js passes them through translate).
    await expect(editor.textContent()).resolves.toMatch(/命中策略：首个当金额数值则风险等级文本/);
    expect(await editor.locator('.hit-policy, .input-variable, .output-variable').allTextContents()).not.toContainEqual(expect.stringMatching(/^(Unique|string|number|boolean|date|Any)$/));
    await page.click('[data-testid=deploy-decision]');
    await page.waitForURL((u) => /\/design\/decisions\/decision_/.test(u.pathname));
    // Deployed as it is: nothing left to deploy, and the header names the table and its version.
    await page.locator('.ant-tag', { hasText: /^v1$/ }).first().waitFor();
    expect(await page.getByText('未部署的修改').count()).toBe(0);
    await page.locator('[data-testid=decision-input-amount]').fill('2000000');
    await page.click('[data-testid=evaluate-decision]');
    await expect(page.locator('[data-testid=decision-result]').textContent()).resolves.toContain('"高"');
    await page.locator('[data-testid=decision-input-amount]').fill('500');
    await page.click('[data-testid=evaluate-decision]');
    await until(async () => (await page.locator('[data-testid=decision-result]').textContent())?.includes('"低"'), 10_000);
    await shot(page, 'decision-editor');
    await page.goto(`${base}/design/decisions`);
    await page.locator('.ant-table-row', { hasText: '新决策表' }).first().waitFor();
    await shot(page, 'decision-list');
    expect(realErrors(w.errors)).toEqual([]);
  });
});
