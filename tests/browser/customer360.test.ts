/**
 * The 360° page draws what the typed answer holds, without guessing keys: the customer's name from the
 * object's title field, the tags the server named, the relationship graph from edges' from/to, the
 * holdings section and the timeline.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { createClient, type ApiClient, type Customer360 } from '@crm/shared';
import { type BrowserSession, type Watched, browserSession, realErrors, signIn } from './browser.js';

describe('customer 360° page', () => {
  const session = browserSession();
  let srv: BrowserSession['srv'];
  let w: Watched;
  let page: Page;
  let api: ApiClient;

  beforeAll(async () => {
    ({ srv, w, page } = session);
    const token = (await createClient({ baseUrl: srv.baseUrl }).login({ username: 'compliance', password: 'Demo@2026' })).accessToken;
    api = createClient({ baseUrl: srv.baseUrl, getToken: () => token });
    await signIn(page, srv.baseUrl, 'compliance');
  });

  /** A demo customer with holdings and at least one relationship whose ends the caller sees. */
  async function richCustomer(): Promise<{ id: string; view: Customer360 }> {
    const page1 = await api.records.list('customer', { limit: 100, sort: 'created_at' });
    for (const c of page1.items) {
      const view = await api.customers.get360(c.id);
      if (view.holdings.items.length && view.relationships.items.some((e) => e.from && e.to)) return { id: c.id, view };
    }
    throw new Error('no demo customer with holdings and relationships');
  }

  it('shows the name, the tags, the network, the holdings and the timeline the server sent', async () => {
    const { id, view } = await richCustomer();
    await page.goto(`${srv.baseUrl}/customers/${id}`);
    const name = String(view.customer.name);
    await page.locator('.ant-typography, h1, h2, h3, h4', { hasText: name }).first().waitFor();
    for (const tag of view.tags.slice(0, 3)) await page.locator('.ant-tag', { hasText: tag.name }).first().waitFor();
    // The graph is drawn (a canvas in the relationships card), the holdings list has the holdings' rows.
    await page.locator('.ant-card', { hasText: '关系网络' }).locator('canvas').first().waitFor();
    const holdings = page.locator('.ant-card', { hasText: '金融资产持有' });
    await holdings.waitFor();
    expect(await holdings.locator('tr.ant-table-row').count()).toBe(Math.min(8, view.holdings.items.length));
    if (view.timeline.length) expect(await page.locator('.ant-timeline-item').count()).toBe(Math.min(20, view.timeline.length));
    // Keys the server never sends are not drawn: no churn gauge.
    expect(await page.locator('.ant-card', { hasText: '流失预警' }).count()).toBe(0);
    expect(realErrors(w.errors)).toEqual([]);
  });
});
