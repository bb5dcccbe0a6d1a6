/**
 * An analyst builds a small "complaint" module without IT: object and fields, a form dragged together
 * with one FEEL rule, published; then the form is filled in (Chinese error, fixed, submitted) and the
 * record is found in the list with a filter.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { type BrowserSession, type Watched, browserSession, choose, realErrors, shot, signIn, waitCount } from './browser.js';

const suffix = Date.now().toString(36).slice(-5);
const OBJECT = `complaint_${suffix}`;
const FORM = `complaint_form_${suffix}`;

describe('form designer → form runtime → records', () => {
  const session = browserSession();
  let srv: BrowserSession['srv'];
  let w: Watched;
  let page: Page;

  beforeAll(() => {
    ({ srv, w, page } = session);
  });

  async function addField(label: string, key: string, typeText: string, extra?: () => Promise<void>) {
    await page.click('[data-testid=add-field]');
    await page.fill('#field-label', label);
    await page.fill('#field-key', key);
    await choose(page, '.ant-drawer #field-type', typeText);
    if (extra) await extra();
    await page.click('[data-testid=save-field]');
    // The drawer closes with an animation: wait until it is gone before the next click.
    await waitCount(page.locator('.ant-drawer-open'), 0, 20_000);
    await waitCount(page.locator('.ant-drawer-mask:visible'), 0, 20_000);
    await page.locator('td code', { hasText: key }).waitFor();
  }

  it('logs in, creates an object with three fields', async () => {
    await signIn(page, srv.baseUrl, 'analyst');
    await shot(page, 'flow1-01-workbench');
    await page.goto(`${srv.baseUrl}/design/objects`);
    await page.click('[data-testid=new-object]');
    await page.fill('#object-label', '客户投诉');
    await page.fill('#object-key', OBJECT);
    await page.locator('.ant-modal .ant-btn-primary').click();
    await page.waitForURL(new RegExp(`/design/objects/${OBJECT}$`));
    await addField('投诉标题', 'title', '单行文本');
    await addField('联系手机', 'mobile', '手机号码');
    await addField('严重程度', 'severity', '单选', async () => {
      const rows = page.locator('.ant-drawer input[placeholder="值"]');
      await rows.first().fill('low');
      await page.locator('.ant-drawer input[placeholder="中文显示"]').first().fill('一般');
      await page.locator('.ant-drawer button', { hasText: '添加选项' }).click();
      await rows.nth(1).fill('high');
      await page.locator('.ant-drawer input[placeholder="中文显示"]').nth(1).fill('严重');
    });
    await shot(page, 'flow1-02-object-fields');
    expect(await page.locator('tbody tr').count()).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('drags three fields into a new form, sets a FEEL rule and publishes', async () => {
    await page.goto(`${srv.baseUrl}/design/forms`);
    await page.click('[data-testid=new-form]');
    await choose(page, '.ant-modal #form-object', OBJECT);
    await page.fill('#form-zh', '客户投诉登记');
    await page.fill('#form-key', FORM);
    await page.locator('.ant-modal .ant-btn-primary').click();
    await page.waitForURL(new RegExp(`/design/forms/${FORM}$`));
    const canvas = page.locator('[data-testid=form-canvas]');
    // A new form starts with one section: the fields go into it.
    const section = canvas.locator('[data-node="section"]');
    await section.waitFor();
    for (const f of ['title', 'severity', 'mobile']) {
      const target = section.locator('[data-drop]').last();
      await page.locator(`[data-palette="field:${f}"]`).dragTo(target);
      await canvas.locator(`[data-node="${f}"]`).waitFor();
    }
    const fieldsOnCanvas = () => section.locator('[data-node]').evaluateAll((els) => els.map((e) => e.getAttribute('data-node')));
    expect(await fieldsOnCanvas()).toEqual(['title', 'severity', 'mobile']);
    // Reorder by dragging: mobile onto the gap just above severity.
    const gapAboveSeverity = canvas.locator('[data-node="severity"]').locator('xpath=preceding-sibling::div[contains(@class,"fd-gap")][1]');
    await canvas.locator('[data-node="mobile"]').dragTo(gapAboveSeverity);
    expect(await fieldsOnCanvas()).toEqual(['title', 'mobile', 'severity']);
    // Form properties: a rule that requires the mobile number when the complaint is serious.
    await canvas.click({ position: { x: 5, y: 5 } });
    await page.click('[data-testid=add-rule]');
    const when = page.locator('[data-testid=rule-0-when]');
    await when.fill('severity = ');
    await page.locator('[data-testid=rule-0-when-error]').waitFor();
    await shot(page, 'flow1-03-feel-error');
    await when.fill('severity = "high"');
    await waitCount(page.locator('[data-testid=rule-0-when-error]'), 0);
    await choose(page, '[data-testid=rule-0-require]', '联系手机');
    await page.keyboard.press('Escape');
    await shot(page, 'flow1-04-designer');
    await page.click('[data-testid=publish-form]');
    await page.locator('[data-testid=published-version]', { hasText: 'v1' }).waitFor();
    await shot(page, 'flow1-05-published');
  }, 120_000);

  it('fills the form: a Chinese error at the field, fixed, submitted', async () => {
    await page.click('[data-testid=fill-form]');
    await page.waitForURL(new RegExp(`/fill/${FORM}$`));
    await page.fill('#f-title', '信用卡年费被重复收取');
    await choose(page, '#f-severity', '严重');
    await page.fill('#f-mobile', '1380013');
    await page.locator('[data-field=mobile] .fr-error').waitFor();
    const typed = await page.locator('[data-field=mobile] .fr-error').textContent();
    expect(typed).toMatch(/[\u4e00-\u9fa5]/);
    await page.fill('#f-mobile', '');
    await page.click('[data-testid=submit-form]');
    const required = page.locator('[data-field=mobile] .fr-error');
    await required.waitFor();
    expect(await required.textContent()).toMatch(/[\u4e00-\u9fa5]/);
    await shot(page, 'flow1-06-validation-error');
    await page.fill('#f-mobile', '13800138000');
    await waitCount(page.locator('[data-field=mobile] .fr-error'), 0);
    await page.click('[data-testid=submit-form]');
    await page.locator('.ant-result-success').waitFor();
    await shot(page, 'flow1-07-submitted');
  }, 120_000);

  it('finds the record in the list with a filter', async () => {
    await page.goto(`${srv.baseUrl}/records/${OBJECT}`);
    await page.click('[data-testid=add-condition]');
    await choose(page, '[data-testid=condition-0-field]', '投诉标题');
    await choose(page, '[data-testid=condition-0-op]', '等于');
    await page.fill('[data-testid=condition-0-value]', '信用卡年费被重复收取');
    await page.click('[data-testid=apply-filter]');
    const row = page.locator('[data-testid=record-list] .vlist-row', { hasText: '信用卡年费被重复收取' });
    await row.waitFor();
    expect(await page.locator('[data-testid=filter-words]').textContent()).toContain('投诉标题 等于 信用卡年费被重复收取');
    await shot(page, 'flow1-08-record-list');
    await row.click();
    await page.waitForURL(new RegExp(`/records/${OBJECT}/[^/]+$`));
    await shot(page, 'flow1-09-record-detail');
    expect(realErrors(w.errors)).toEqual([]);
  }, 120_000);
});

