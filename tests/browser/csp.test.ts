/**
 * The web app under the server's strict Content-Security-Policy: the harness's violation recorder
 * catches what the policy refuses (so every other browser test would fail on a violation; `eval` run
 * through the test driver itself is exempt, so only the app's own evals are caught), a form
 * validates as one types with a validator compiled by the server and imported from it (no eval, no
 * blob:), and the API docs work under the same policy.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { until } from '../harness/until.js';
import { type BrowserSession, type Watched, apiAs, browserSession, cspViolations, realErrors, shot, signIn } from './browser.js';

const suffix = Date.now().toString(36).slice(-5);
const OBJECT = `csp_probe_${suffix}`;
const FORM = `csp_probe_form_${suffix}`;

describe('strict Content-Security-Policy in the browser', () => {
  const session = browserSession();
  let srv: BrowserSession['srv'];
  let w: Watched;
  let page: Page;

  beforeAll(async () => {
    ({ srv, w, page } = session);
    const analyst = await apiAs(srv.baseUrl, 'analyst');
    await analyst.meta.createObject({
      key: OBJECT, label: { 'zh-CN': '安全策略探针', en: 'CSP probe' },
      fields: [
        { key: 'name', label: { 'zh-CN': '名称', en: 'Name' }, type: 'text', required: true },
        { key: 'mobile', label: { 'zh-CN': '联系手机', en: 'Mobile' }, type: 'phone' },
      ],
    });
    await analyst.meta.createForm({ key: FORM, object: OBJECT, title: '安全策略探针登记', layout: [{ field: 'name' }, { field: 'mobile' }] });
    await analyst.meta.publishForm(FORM);
  }, 60_000);

  it('the recorder sees what the policy refuses: an injected inline script', async () => {
    await signIn(page, srv.baseUrl, 'analyst');
    const injected = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true';
      document.head.appendChild(s);
      return (window as { __injected?: boolean }).__injected ?? false;
    });
    expect(injected).toBe(false);
    // Both reports arrive asynchronously: the browser's console message and the page's violation event.
    const both = () => cspViolations.some((v) => v.includes('[csp-violation] script-src-elem')) && cspViolations.some((v) => /Content Security Policy directive 'script-src 'self''/.test(v));
    await until(async () => both(), { ms: 10_000, everyMs: 100, what: () => `both violation reports (seen ${cspViolations.join(' | ')})` });
    cspViolations.length = 0;
    w.errors.length = 0;
  }, 60_000);

  it('a form validates as one types with the validator the server compiled and serves', async () => {
    const modules: { url: string; status: number; type: string | undefined }[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/forms/validators/')) modules.push({ url: new URL(r.url()).pathname, status: r.status(), type: r.headers()['content-type'] });
    });
    await page.goto(`${srv.baseUrl}/fill/${FORM}`);
    await page.fill('#f-mobile', '1380013');
    await page.locator('[data-field=mobile] .fr-error').waitFor();
    expect(await page.locator('[data-field=mobile] .fr-error').innerText()).toMatch(/[\u4e00-\u9fff]/);
    await shot(page, 'csp-01-form-validated-by-server-module');
    expect(modules).toEqual([{ url: expect.stringMatching(/^\/api\/forms\/validators\/[0-9a-f]{64}\.js$/), status: 200, type: 'text/javascript; charset=utf-8' }]);
    await page.fill('#f-mobile', '13800138000');
    await expect(page.locator('[data-field=mobile] .fr-error').count()).resolves.toBe(0);
    expect(realErrors(w.errors)).toEqual([]);
  }, 60_000);

  it('the API documentation renders under the same policy', async () => {
    await page.goto(`${srv.baseUrl}/api/docs`);
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 30_000 });
    await shot(page, 'csp-02-api-docs');
    expect(realErrors(w.errors)).toEqual([]);
  }, 60_000);
});
