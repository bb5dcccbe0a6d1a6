/**
 * Names, not ids (issue 19): as the customer manager, the 360° view, a holding, a complaint and the
 * task inbox show no UUID and no English word outside a short list of terms the bank uses as they are.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { type ApiClient, type RecordData } from '@crm/shared';
import { type Watched, apiAs as as, browserSession, realErrors, shot, signIn } from './browser.js';
import { until } from '../harness/until.js';
import { assertNoUuidOrEnglish } from './visible-text.js';

describe('display values as the customer manager sees them', () => {
  const session = browserSession();
  let page: Page;
  let w: Watched;
  let base: string;
  let rm: ApiClient;
  let customer: RecordData;

  beforeAll(async () => {
    ({ page, w } = session);
    base = session.srv.baseUrl;
    rm = await as(base, 'rm');
    const me = await rm.me();
    // A customer of rm's with holdings.
    const mine = await rm.records.query('customer', { filter: { owner_id: me.id, customer_type: 'individual' }, limit: 50 });
    for (const c of mine.items) {
      if ((await rm.records.query('holding', { filter: { customer: c.id }, limit: 1 })).items.length) { customer = c; break; }
    }
    expect(customer).toBeDefined();
    await page.setViewportSize({ width: 1366, height: 768 });
    await signIn(page, base, 'rm');
  });

  async function check(path: string, ready: string, name: string): Promise<void> {
    await page.goto(`${base}${path}`);
    await page.locator(ready).first().waitFor();
    await page.waitForLoadState('networkidle');
    await shot(page, name);
    await assertNoUuidOrEnglish(page, path);
  }

  it('the 360° view, a holding, a complaint and the inbox show names, not ids nor English', async () => {
    const holding = (await rm.records.query('holding', { filter: { customer: customer.id }, limit: 1 })).items[0]!;
    // A complaint starts the complaint process: its triage task shows in the inbox with the complaint's number.
    const complaint = await rm.records.create('complaint', { customer: customer.id, channel: 'branch', category: 'service', priority: 'normal', description: '柜面等候时间过长' });
    await until(async () => (await rm.tasks.list('mine')).items.length + (await rm.tasks.list('candidate')).items.length > 0);
    await check(`/customers/${customer.id}`, '[data-section=holdings]', 'rm-360-1366');
    await check(`/records/holding/${holding.id}`, '[data-field=product]', 'rm-holding-1366');
    await page.locator('[data-field=customer]', { hasText: String(customer.name) }).waitFor();
    await check(`/records/complaint/${complaint.id}`, '[data-field=customer]', 'rm-complaint-1366');
    await check('/tasks?scope=mine', '[data-task]', 'rm-inbox-1366');
    await page.locator('[data-task]').first().click();
    await page.locator('[data-testid=task-panel]').waitFor();
    await check(page.url().slice(base.length), '[data-testid=task-panel]', 'rm-task-1366');
    expect(realErrors(w.errors)).toEqual([]);
  });
});
