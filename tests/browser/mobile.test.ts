/**
 * The customer manager's day on a phone (WeChat Work's H5 view, 390×844): the workbench, the menu in
 * a drawer, the inbox, a task with its customer above the work, the customer's 360° view, logging a
 * visit from there, and the visit in the interaction list and its detail. On every screen nothing is
 * wider than the phone (no sideways scroll), no text is squeezed to one character a line, and no id
 * shows. At 1366×768 the ordinary sider is still there.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { type ApiClient, type RecordData, type Task } from '@crm/shared';
import { type Watched, apiAs as as, browserSession, newPage, realErrors, shot, signIn } from './browser.js';
import { until } from '../harness/until.js';

const PHONE = { width: 390, height: 844 };
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

const VISIT_CHECK = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" id="D" targetNamespace="t">
<bpmn:process id="mobile_visit_check" name="客户回访" isExecutable="true">
  <bpmn:startEvent id="s" crm:inputs="object,recordId"/>
  <bpmn:userTask id="visit" name="上门回访客户" crm:candidateGroups="rm" crm:outputs="comment"/>
  <bpmn:endEvent id="e"/>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="visit"/><bpmn:sequenceFlow id="f2" sourceRef="visit" targetRef="e"/>
</bpmn:process></bpmn:definitions>`;

/**
 * What the phone shows is the phone's width: the document does not scroll sideways, no visible text
 * is squeezed to a character a line (the sign of a column too narrow for its words), no id shows.
 * The screenshot is taken first, so a failure leaves the picture of it.
 */
async function fits(page: Page, name: string): Promise<void> {
  // Let the layout settle (fonts, lazy chunks, a breakpoint's re-render) before measuring it.
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.waitForFunction(() => !document.querySelector('.ant-spin-spinning'), undefined, { timeout: 15_000 }).catch(() => undefined);
  await shot(page, `mobile-${name}`);
  const m = await page.evaluate(() => {
    const squeezed: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = (n.textContent ?? '').replace(/\s+/g, '');
      if (text.length < 2 || !n.parentElement) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      const boxes = Array.from(range.getClientRects()).filter((r) => r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight * 3);
      if (!boxes.length) continue;
      const lines = new Set(boxes.map((r) => Math.round(r.top))).size;
      const el = n.parentElement.getBoundingClientRect();
      // One character a line: as many lines as characters, or a box too narrow for two of them.
      if ((lines >= 2 && text.length / lines < 1.5) || (el.width < 30 && lines >= 2)) squeezed.push(text.slice(0, 20));
    }
    return { scrollWidth: document.documentElement.scrollWidth, bodyWidth: document.body.scrollWidth, squeezed, text: document.body.innerText };
  });
  const wide = Math.max(m.scrollWidth, m.bodyWidth);
  expect({ screen: name, tooWide: wide > PHONE.width ? wide : null, squeezed: m.squeezed }).toEqual({ screen: name, tooWide: null, squeezed: [] });
  expect({ screen: name, uuid: m.text.match(UUID)?.[0] ?? null }).toEqual({ screen: name, uuid: null });
}

describe("the customer manager's day on a phone", () => {
  const session = browserSession();
  let phone: Watched;
  let page: Page;
  let base: string;
  let rm: ApiClient;
  let customer: RecordData;
  let task: Task;

  beforeAll(async () => {
    base = session.srv.baseUrl;
    phone = await newPage(session.browser, { viewport: PHONE, isMobile: true, hasTouch: true });
    page = phone.page;
    const analyst = await as(base, 'analyst');
    rm = await as(base, 'rm');
    const me = await rm.me();
    customer = (await rm.records.query('customer', { filter: { owner_id: me.id, customer_type: 'individual' }, limit: 1 })).items[0]!;
    // A task about one of the manager's customers, claimed: it waits under 我的任务.
    await analyst.processes.deploy({ bpmnXml: VISIT_CHECK });
    const inst = await analyst.processes.start('mobile_visit_check', { variables: { object: 'customer', recordId: customer.id } });
    task = await until(async () => (await rm.tasks.list('candidate')).items.find((t) => t.processInstanceId === inst.id));
    await rm.tasks.claim(task.id);
  });

  it('inbox → task → customer → log a visit, every screen within 390 px', async () => {
    await signIn(page, base, 'rm');
    // The workbench: no sider, a menu button in the header; the day's tasks first.
    await page.locator('[data-home-task]').first().waitFor();
    expect(await page.locator('.ant-layout-sider').count()).toBe(0);
    await fits(page, '1-workbench');

    // The menu is a drawer with the same items; choosing one closes it.
    await page.locator('[data-testid=nav-toggle]').tap();
    const drawer = page.locator('.app-drawer .ant-drawer-section, .app-drawer .ant-drawer-content').first();
    await drawer.waitFor();
    const menu = page.locator('.app-drawer [data-testid=main-menu]');
    await menu.getByText('客户360视图').waitFor();
    expect((await drawer.boundingBox())!.width).toBeLessThanOrEqual(PHONE.width - 40);
    await shot(page, 'mobile-2-drawer');
    await menu.getByText('我的待办').tap();
    await page.waitForURL((u) => u.pathname === '/tasks');
    await until(async () => !(await page.locator('.app-drawer .ant-drawer-content').isVisible().catch(() => false)), { ms: 5_000, everyMs: 100, what: 'the drawer to close' });

    // The inbox: one column of tasks, the customer named on each.
    const row = page.locator(`[data-task="${task.id}"]`);
    await expect(row.locator('[data-testid=task-row-context]').textContent()).resolves.toContain(String(customer.name));
    await fits(page, '3-inbox');

    // The task: the list steps aside, the customer's fields above the work on it, a way back.
    await row.tap();
    const record = page.locator('[data-testid=task-record]');
    await record.waitFor();
    const panel = page.locator('[data-testid=task-panel]');
    await panel.waitFor();
    await page.locator('[data-testid=task-back]').waitFor();
    expect(await row.isVisible()).toBe(false);
    const [r, p] = [(await record.boundingBox())!, (await panel.boundingBox())!];
    expect(r.y + r.height).toBeLessThanOrEqual(p.y);
    expect(r.width).toBeGreaterThan(PHONE.width - 60);
    await fits(page, '4-task');

    // Its customer in the 360° view: panels stacked, amounts side by side without touching.
    await record.getByText('客户360视图').tap();
    await page.waitForURL((u) => u.pathname === `/customers/${customer.id}`);
    await page.locator('[data-metric]').first().waitFor();
    await page.locator('[data-section]').first().waitFor();
    await fits(page, '5-customer360');
    const metrics = await page.locator('[data-metric] .ant-statistic-content').evaluateAll((els) => els.map((e) => {
      const b = e.getBoundingClientRect();
      return { left: b.left, right: b.right, top: b.top, bottom: b.bottom, overflow: e.scrollWidth > e.clientWidth + 1 };
    }));
    expect(metrics.length).toBeGreaterThan(1);
    for (const [i, a] of metrics.entries()) {
      expect(a.overflow).toBe(false);
      for (const b of metrics.slice(i + 1)) {
        const apart = a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
        expect(apart).toBe(true);
      }
    }
    // A section's rows are cards, not a table wider than the phone.
    expect(await page.locator('[data-section] .ant-table').count()).toBe(0);

    // Log a visit from there: the form knows the customer and the kind, one field a row.
    await page.locator('[data-testid=log-visit]').tap();
    await page.waitForURL((u) => u.pathname === '/fill/interaction');
    const customerInput = page.locator('.fr-field', { has: page.locator('.fr-label', { hasText: '客户' }) }).first();
    await customerInput.getByText(String(customer.name)).waitFor();
    expect(await page.locator('input[aria-label=方式]').inputValue()).toBe('拜访');
    const boxes = await page.locator('.fr-field').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    expect(Math.min(...boxes)).toBeGreaterThan(PHONE.width - 100);
    await fits(page, '6-visit-form');
    const subject = `手机登记拜访 ${Date.now()}`;
    await page.locator('input[aria-label=主题]').fill(subject);
    await page.locator('textarea[aria-label=内容]').fill('客户有定投意向，下周带产品资料再访。');
    // The date picker opens within the phone; typing the time is enough.
    await page.locator('input[aria-label=发生时间]').tap();
    const picker = page.locator('.ant-picker-dropdown:visible');
    await picker.waitFor();
    const pb = (await picker.boundingBox())!;
    expect(pb.x).toBeGreaterThanOrEqual(0);
    expect(pb.x + pb.width).toBeLessThanOrEqual(PHONE.width);
    await shot(page, 'mobile-7-date-picker');
    expect(pb.y).toBeGreaterThanOrEqual(0);
    expect(pb.y + pb.height).toBeLessThanOrEqual(PHONE.height);
    await picker.locator('.ant-picker-now-btn').tap();
    if (await picker.locator('.ant-picker-ok button').isEnabled().catch(() => false)) await picker.locator('.ant-picker-ok button').tap();
    await until(async () => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(await page.locator('.ant-picker input').first().inputValue()), { ms: 5_000, everyMs: 100, what: 'the time to be chosen' });
    await page.locator('[data-testid=submit-form]').tap();
    // The answer: the success page, or what the form or the server objected to (shown, then failing here).
    await page.locator('.ant-result-success, [data-testid=form-problems], .ant-alert-error').first().waitFor();
    await shot(page, 'mobile-7b-submitted');
    expect(await page.locator('[data-testid=form-problems], .ant-alert-error').allTextContents()).toEqual([]);
    await page.getByText(subject).waitFor();
    await fits(page, '8-visit-logged');
    const logged = (await rm.records.query('interaction', { filter: { subject }, limit: 2 })).items;
    expect(logged).toEqual([expect.objectContaining({ customer: customer.id, kind: 'visit', subject })]);

    // The visit in the interaction list (cards) and its detail.
    await page.goto(`${base}/records/interaction`);
    const card = page.locator(`[data-testid=record-cards] [data-row="${logged[0]!.id}"]`);
    await card.waitFor();
    // Titled by the object's title field (the subject), the customer by name among its fields.
    expect(await card.locator('.rt-card-title').textContent()).toBe(subject);
    await expect(card.textContent()).resolves.toContain(String(customer.name));
    await fits(page, '9-interactions');
    await card.tap();
    await page.locator('[data-field=subject]', { hasText: subject }).waitFor();
    await fits(page, '10-interaction');
    expect(realErrors(phone.errors)).toEqual([]);
  });

  it('a crafted link prefills nothing it should not: another team\'s customer shows 受限, a made-up choice is dropped', async () => {
    const compliance = await as(base, 'compliance');
    const me = await rm.me();
    const others = (await compliance.records.query('customer', { filter: { owner_id: { $ne: me.id } }, limit: 30 })).items;
    const readable = await Promise.allSettled(others.map((c) => rm.records.get('customer', c.id)));
    const foreign = others.find((_, i) => readable[i]!.status === 'rejected');
    expect(foreign).toBeDefined();
    await page.goto(`${base}/fill/interaction?customer=${foreign!.id}&kind=bribe&subject=${encodeURIComponent('<b>x</b>')}&id=${customer.id}`);
    const field = page.locator('.fr-field', { has: page.locator('.fr-label', { hasText: '客户' }) }).first();
    await field.getByText('受限').waitFor();
    expect(await page.locator('input[aria-label=方式]').inputValue()).toBe('');
    expect(await page.locator('input[aria-label=主题]').inputValue()).toBe('<b>x</b>');
    expect(await page.locator('.fr-field b').count()).toBe(0);
    await fits(page, '11-crafted-link');
  });

  it('at 1366×768 the sider is still there and no menu button', async () => {
    const desk = session.page;
    await desk.setViewportSize({ width: 1366, height: 768 });
    await signIn(desk, base, 'rm');
    const sider = desk.locator('.ant-layout-sider [data-testid=main-menu]');
    await sider.getByText('客户360视图').waitFor();
    expect((await desk.locator('.ant-layout-sider').boundingBox())!.width).toBeGreaterThanOrEqual(200);
    expect(await desk.locator('[data-testid=nav-toggle]').count()).toBe(0);
    await shot(desk, 'desktop-sider-1366');
    expect(realErrors(session.w.errors)).toEqual([]);
  });
});
