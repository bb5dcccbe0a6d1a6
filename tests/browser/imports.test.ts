/**
 * The import dialog of a record list: a CSV with Chinese headers is previewed and auto-mapped, a dry
 * run shows the bad row without writing, the import then lands the good row with its progress and
 * the per-row errors, and the list shows the new record.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { createClient } from '@crm/shared';
import { type BrowserSession, type Watched, browserSession, realErrors, shot, signIn } from './browser.js';

describe('import dialog', () => {
  const session = browserSession();
  let srv: BrowserSession['srv'];
  let w: Watched;
  let page: Page;

  beforeAll(() => {
    ({ srv, w, page } = session);
  });

  it('previews, dry-runs and imports a CSV from the record list', async () => {
    const token = (await createClient({ baseUrl: srv.baseUrl }).login({ username: 'analyst', password: 'Demo@2026' })).accessToken;
    const api = createClient({ baseUrl: srv.baseUrl, getToken: () => token });
    await api.meta.createObject({ key: 'imp_web', label: { 'zh-CN': '导入对象', en: 'Import object' }, fields: [
      { key: 'title', label: { 'zh-CN': '名称', en: 'Title' }, type: 'text', required: true },
      { key: 'amount', label: { 'zh-CN': '金额', en: 'Amount' }, type: 'money' },
    ] });
    await signIn(page, srv.baseUrl, 'analyst');
    w.errors.length = 0;
    await page.goto(`${srv.baseUrl}/records/imp_web`);
    await page.locator('[data-testid=record-list]').waitFor();
    await page.click('[data-testid=import-records]');
    await page.locator('.ant-modal input[type=file]').setInputFiles({ name: '导入.csv', mimeType: 'text/csv', buffer: Buffer.from('\uFEFF名称,金额\n网页甲,1.50\n网页乙,12.345.6\n', 'utf8') });
    await page.locator('[data-testid=import-mapping]').waitFor();
    expect(await page.locator('[data-testid="map-名称"]').textContent()).toContain('名称');
    expect(await page.locator('[data-testid="map-金额"]').textContent()).toContain('金额');

    await page.click('[data-testid=import-dry-run]');
    await page.locator('[data-testid=import-counts]', { hasText: '试运行：共 2 行，新增 1，更新 0，拒绝 1' }).waitFor();
    expect((await api.records.list('imp_web')).items).toHaveLength(0);

    await page.click('[data-testid=import-run]');
    await page.locator('[data-testid=import-counts]', { hasText: /^共 2 行，新增 1，更新 0，拒绝 1$/ }).waitFor();
    await page.locator('[data-testid=import-errors] td', { hasText: '金额' }).first().waitFor();
    await page.locator('[data-testid=import-rejected]').waitFor();
    await shot(page, 'import-dialog');
    await page.locator('.ant-modal-close').click();
    await page.locator('[data-testid=record-list]', { hasText: '网页甲' }).waitFor();
    expect((await api.records.list('imp_web')).items.map((r) => r.title)).toEqual(['网页甲']);
    expect(realErrors(w.errors)).toEqual([]);
  }, 120_000);
});
