/**
 * The record lists as the customer manager uses them on the demo bank: quick search (server side), the
 * total, a filter built with the condition builder and shown in words, a view saved on the server and
 * applied after a reload, bulk tagging, the kanban board (a move written with the record's version; a
 * stale one snaps back with the reason), the calendar by a date field, and (as compliance, who may
 * export customers) an export that downloads a file.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Locator, Page } from 'playwright-core';
import type { ApiClient, RecordData } from '@crm/shared';
import { type Watched, apiAs as as, browserSession, choose, realErrors, shot, signIn, signOut } from './browser.js';
import { until } from '../harness/until.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** An HTML5 drag and drop as the browser fires it (dragstart on the card, dragover and drop on the column). */
async function drag(from: Locator, to: Locator): Promise<void> {
  const data = await from.page().evaluateHandle(() => new DataTransfer());
  await from.dispatchEvent('dragstart', { dataTransfer: data });
  await to.dispatchEvent('dragover', { dataTransfer: data });
  await to.dispatchEvent('drop', { dataTransfer: data });
}

describe('record lists', () => {
  const session = browserSession();
  let page: Page;
  let w: Watched;
  let base: string;
  let rm: ApiClient;
  let total: number;

  const totalShown = async () => Number(((await page.locator('[data-testid=list-total]').textContent()) ?? '').replace(/[^0-9]/g, ''));

  beforeAll(async () => {
    ({ page, w } = session);
    base = session.srv.baseUrl;
    rm = await as(base, 'rm');
    total = (await rm.records.list('customer', { total: true, limit: 1 })).total!;
    await page.setViewportSize({ width: 1366, height: 768 });
    await signIn(page, base, 'rm');
  });

  it('shows the total, searches on the server, and shows the built filter in words', async () => {
    await page.goto(`${base}/records/customer`);
    await page.locator('[data-testid=record-list] .vlist-row').first().waitFor();
    await until(async () => (await totalShown()) === total, { ms: 10_000, everyMs: 100, what: () => `total ${total}` });
    expect(await page.locator('[data-testid=list-total]').textContent()).toBe(`共 ${total} 条`);

    // Quick search on the title field (姓名): the server's count of names containing the character.
    const surname = String((await rm.records.list('customer', { limit: 1, sort: 'name' })).items[0]!.name).slice(0, 1);
    const matching = (await rm.records.list('customer', { filter: { name: { $contains: surname } }, total: true, limit: 1 })).total!;
    expect(matching).toBeLessThan(total);
    await page.fill('[data-testid=quick-search]', surname);
    await until(async () => (await totalShown()) === matching, { ms: 10_000, everyMs: 100, what: () => `total ${matching} after searching ${surname}` });

    await page.click('[data-testid=add-condition]');
    await choose(page, '[data-testid=condition-0-field]', '客户分层');
    await choose(page, '[data-testid=condition-0-op]', '等于');
    await choose(page, '[data-testid=condition-0-value]', '大众客户');
    await page.click('[data-testid=apply-filter]');
    await expect(page.locator('[data-testid=filter-words]').textContent()).resolves.toBe('筛选：客户分层 等于 大众客户');
    const both = (await rm.records.list('customer', { filter: { name: { $contains: surname }, segment: { $eq: 'mass' } }, total: true, limit: 1 })).total!;
    await until(async () => (await totalShown()) === both, { ms: 10_000, everyMs: 100, what: () => `total ${both} with the filter` });
    const text = await page.evaluate(() => document.body.innerText);
    expect(text).not.toMatch(UUID);
    expect(text).not.toContain('$eq');
    await shot(page, 'lists-01-search-filter-words');
    await page.fill('[data-testid=quick-search]', '');
  }, 90_000);

  it('saves the view on the server and applies it after a reload', async () => {
    await page.click('[data-testid=save-view]');
    await page.fill('[data-testid=view-name]', '大众客户名单');
    await page.locator('.ant-modal-footer .ant-btn-primary').click();
    await page.locator('.ant-message', { hasText: '已保存' }).waitFor();
    expect((await rm.views.list('customer')).map((v) => [v.name, v.filter])).toEqual([['大众客户名单', { segment: { $eq: 'mass' } }]]);

    await page.reload();
    await page.locator('[data-testid=record-list] .vlist-row').first().waitFor();
    expect(await page.locator('[data-testid=filter-words]').count()).toBe(0);
    await page.click('[data-testid=views]');
    await shot(page, 'lists-02-saved-views');
    await page.click('[data-testid="view-大众客户名单"]');
    await expect(page.locator('[data-testid=filter-words]').textContent()).resolves.toBe('筛选：客户分层 等于 大众客户');
    const mass = (await rm.records.list('customer', { filter: { segment: { $eq: 'mass' } }, total: true, limit: 1 })).total!;
    await until(async () => (await totalShown()) === mass, { ms: 10_000, everyMs: 100, what: () => `total ${mass} of the view` });
  }, 60_000);

  it('tags the selected rows in bulk', async () => {
    const rows = page.locator('[data-testid=record-list] .vlist-row');
    const ids = [await rows.nth(0).getAttribute('data-row'), await rows.nth(1).getAttribute('data-row')] as string[];
    await rows.nth(0).locator('[data-testid=select-row]').click();
    await rows.nth(1).locator('[data-testid=select-row]').click();
    await page.click('[data-testid=bulk-tag]');
    await page.locator('[data-testid=bulk-tags] input').fill('重点维护');
    await page.keyboard.press('Enter');
    await shot(page, 'lists-03-bulk-tag');
    await page.locator('.ant-modal-footer .ant-btn-primary').click();
    await page.locator('.ant-message', { hasText: '已更新 2 条' }).waitFor();
    for (const id of ids) expect((await rm.records.get('customer', id)).tags).toContain('重点维护');
  }, 60_000);

  it('moves a card on the kanban board; a stale move snaps back with the reason', async () => {
    await page.locator('[data-testid=view-type]').getByText('看板').click();
    await choose(page, '[data-testid=kanban-field]', '按风险等级');
    const low = page.locator('[data-testid=kanban-column-low] [data-card]').first();
    await low.waitFor();
    const id = (await low.getAttribute('data-card'))!;
    await drag(low, page.locator('[data-testid=kanban-column-medium]'));
    await page.locator('[data-testid=kanban-column-medium] [data-card="' + id + '"]').waitFor();
    await until(async () => (await rm.records.get('customer', id)).risk_level === 'medium', { ms: 10_000, everyMs: 200, what: () => 'the move written' });
    await shot(page, 'lists-04-kanban');

    // Someone else changes the record meanwhile: the board's version is stale, the server refuses.
    const now = await rm.records.get('customer', id);
    await rm.records.update('customer', id, { occupation: '教师', version: now.version });
    await drag(page.locator(`[data-card="${id}"]`), page.locator('[data-testid=kanban-column-high]'));
    await page.locator('.ant-message', { hasText: '已被他人修改' }).waitFor();
    await page.locator(`[data-testid=kanban-column-medium] [data-card="${id}"]`).waitFor();
    expect((await rm.records.get('customer', id)).risk_level).toBe('medium');
    await shot(page, 'lists-05-kanban-refused');
  }, 60_000);

  it('shows the month\'s interactions on their day in the calendar', async () => {
    const customer = (await rm.records.list('customer', { limit: 1 })).items[0] as RecordData;
    const made = await rm.records.create('interaction', { customer: customer.id, kind: 'visit', subject: '日历测试拜访', occurred_at: new Date().toISOString() });
    await page.goto(`${base}/records/interaction`);
    await page.locator('[data-testid=view-type]').getByText('日历').click();
    await choose(page, '[data-testid=calendar-field]', '按发生时间');
    const event = page.locator(`[data-event="${made.id}"]`);
    await event.waitFor();
    expect(await event.textContent()).toBe('日历测试拜访');
    await shot(page, 'lists-06-calendar');
    await event.click();
    await page.waitForURL(new RegExp(`/records/interaction/${made.id}$`));
  }, 60_000);

  it('exports the filtered list as a file (compliance may export customers)', async () => {
    await signOut(page);
    await signIn(page, base, 'compliance');
    await page.goto(`${base}/records/customer`);
    await page.locator('[data-testid=record-list] .vlist-row').first().waitFor();
    const compliance = await as(base, 'compliance');
    const surname = String((await compliance.records.list('customer', { limit: 1, sort: 'name' })).items[0]!.name).slice(0, 1);
    const matching = (await compliance.records.list('customer', { filter: { name: { $contains: surname } }, total: true, limit: 1 })).total!;
    await page.fill('[data-testid=quick-search]', surname);
    await until(async () => (await totalShown()) === matching, { ms: 10_000, everyMs: 100, what: () => `total ${matching} after searching ${surname}` });
    await page.click('[data-testid=export]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByText('导出 CSV').click()]);
    expect(download.suggestedFilename()).toBe('客户.csv');
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    // The header in Chinese, then exactly the searched rows.
    expect(lines[0]).toContain('客户名称');
    expect(lines).toHaveLength(matching + 1);
    for (const line of lines.slice(1)) expect(line).toContain(surname);
    await shot(page, 'lists-07-export');
    expect(realErrors(w.errors)).toEqual([]);
  }, 60_000);
});
