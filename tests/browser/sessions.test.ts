/**
 * The session in the browser, on a server whose access tokens last 5 seconds: the token is never in
 * Web Storage; a half-filled 新建 form survives a reload (恢复草稿); a submit made after the token
 * expired is answered 401, renewed from the session cookie and sent again — saved, nothing lost; the
 * user changes their own password from the user menu (Chinese errors); an idle session returns to the
 * login page with the reason in Chinese; a task's form keeps its draft by task id until completed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page, Response } from 'playwright-core';
import { startServer, type TestServer } from '../harness/server.js';
import { createClient, type ApiClient } from '@crm/shared';
import { until } from '../harness/until.js';
import { withClient } from '../harness/db.js';
import { launch, newPage, realErrors, shot, signIn, type Watched } from './browser.js';

const OBJECT = 'visit_log';
const VISIT_TASK = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:crm="urn:bank-crm:schema:bpmn:1.0" id="D" targetNamespace="t">
<bpmn:process id="visit_task" name="客户走访" isExecutable="true">
  <bpmn:startEvent id="s"/>
  <bpmn:userTask id="visit" name="登记走访情况" crm:assignee="rm" crm:formKey="visit_log_form"/>
  <bpmn:endEvent id="e"/>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="visit"/><bpmn:sequenceFlow id="f2" sourceRef="visit" targetRef="e"/>
</bpmn:process></bpmn:definitions>`;

describe('sessions and drafts in the browser', () => {
  let srv: TestServer;
  let browser: Browser;
  let w: Watched;
  let page: Page;
  let taskInstance: string;
  const responses: { url: string; method: string; status: number; at: number }[] = [];
  /** A client that signs in again whenever its 5-second token has expired (the client's refresh hook). */
  const apiAs = (username: string): ApiClient => {
    let token = '';
    return createClient({
      baseUrl: srv.baseUrl,
      getToken: () => token,
      refresh: async () => {
        token = (await createClient({ baseUrl: srv.baseUrl }).login({ username, password: 'Demo@2026' })).accessToken;
        return true;
      },
    });
  };

  beforeAll(async () => {
    // BROWSER_SERVER_TIMEOUT_MS: a longer wait for the first start on a loaded machine (as the shared helper allows).
    srv = await startServer({ env: { CRM_TOKEN_TTL: '5' }, timeoutMs: Number(process.env.BROWSER_SERVER_TIMEOUT_MS ?? 60_000) });
    browser = await launch();
    w = await newPage(browser);
    page = w.page;
    page.on('response', (r: Response) => responses.push({ url: new URL(r.url()).pathname, method: r.request().method(), status: r.status(), at: Date.now() }));
    const analyst = apiAs('analyst');
    await analyst.meta.createObject({
      key: OBJECT, label: { 'zh-CN': '走访记录', en: 'Visit log' },
      fields: [
        { key: 'client_name', label: { 'zh-CN': '客户姓名', en: 'Client' }, type: 'text', required: true },
        { key: 'remark', label: { 'zh-CN': '走访情况', en: 'Notes' }, type: 'textarea' },
      ],
    });
    // A task whose form is the visit log: its typing is kept as a draft of that task.
    await analyst.meta.createForm({ key: 'visit_log_form', object: OBJECT, title: { 'zh-CN': '走访登记' }, layout: [{ type: 'section', title: { 'zh-CN': '走访' }, items: [{ field: 'client_name' }, { field: 'remark' }] }] });
    await analyst.meta.publishForm('visit_log_form');
    await analyst.processes.deploy({ bpmnXml: VISIT_TASK });
    taskInstance = (await analyst.processes.start('visit_task')).id;
    const security = apiAs('security');
    const rm = await security.admin.getRole('rm');
    await security.admin.updateRole('rm', { permissions: [...rm.permissions, { object: OBJECT, actions: ['create', 'read', 'update'], scope: 'own' }] });
  }, 120_000 + Number(process.env.BROWSER_SERVER_TIMEOUT_MS ?? 60_000));
  afterAll(async () => {
    await browser?.close();
    await srv?.stop();
  });

  const nameInput = () => page.locator('[data-field=client_name] input, #client_name').first();
  const remarkInput = () => page.locator('[data-field=remark] textarea, #remark').first();

  it('keeps the token out of Web Storage and restores a half-filled form after a reload', async () => {
    await signIn(page, srv.baseUrl, 'rm');
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(stored).not.toMatch(/eyJ/); // no JWT anywhere a script could read it later
    await page.goto(`${srv.baseUrl}/records/${OBJECT}/new`);
    await nameInput().fill('张三');
    await remarkInput().fill('客户有意向购买理财，下周再访');
    await until(() => page.evaluate(() => Object.keys(sessionStorage).some((k) => k.startsWith('crm.draft:'))), { ms: 10_000, what: 'the draft to be kept' });
    expect(await page.evaluate(() => Object.values(sessionStorage).join(''))).not.toMatch(/eyJ/);
    await page.reload();
    await page.locator('[data-testid=draft-banner]').waitFor();
    await shot(page, 'session-draft-offered');
    expect(await nameInput().inputValue()).toBe('');
    await page.click('[data-testid=draft-restore]');
    expect(await nameInput().inputValue()).toBe('张三');
    expect(await remarkInput().inputValue()).toBe('客户有意向购买理财，下周再访');
    await shot(page, 'session-draft-restored');
  }, 90_000);

  it('a submit after the access token expired is renewed and sent again: saved, input not lost', async () => {
    // The token the page holds came with the last renewal; let it expire (5 s tokens on this server).
    const renewed = responses.filter((r) => r.url === '/api/auth/refresh' && r.status === 200).at(-1)!;
    expect(renewed).toBeDefined();
    await until(async () => Date.now() > renewed.at + 6_000, { ms: 15_000, everyMs: 250, what: 'the access token to expire' });
    const from = responses.length;
    await page.click('[data-testid=create-record]');
    await page.waitForURL((u) => new RegExp(`/records/${OBJECT}/[0-9a-f-]{36}$`).test(u.pathname));
    const seen = responses.slice(from).filter((r) => r.url === `/api/records/${OBJECT}` && r.method === 'POST' || r.url === '/api/auth/refresh').map((r) => `${r.url === '/api/auth/refresh' ? 'refresh' : 'create'} ${r.status}`);
    expect(seen.slice(0, 3)).toEqual(['create 401', 'refresh 200', 'create 201']);
    await page.locator('[data-field=client_name]', { hasText: '张三' }).waitFor();
    await shot(page, 'session-saved-after-renewal');
    const saved = await apiAs('rm').records.list(OBJECT, {});
    expect(saved.items.map((r) => [r.client_name, r.remark])).toEqual([['张三', '客户有意向购买理财，下周再访']]);
    // Submitted: the draft is gone.
    expect(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('crm.draft:')))).toEqual([]);
    expect(realErrors(w.errors)).toEqual([]);
  }, 90_000);

  it('changes the own password from the user menu: a wrong current password is refused in Chinese', async () => {
    await page.click('[data-testid=user-menu]');
    await page.locator('.ant-dropdown-menu-item', { hasText: '修改密码' }).click();
    await page.fill('#current-password', 'Wrong#2026x');
    await page.fill('#new-password', 'Rm#Own-2026');
    await page.fill('#confirm-password', 'Rm#Own-2026');
    await page.click('[data-testid=change-password-submit]');
    await page.locator('[data-testid=change-password-error]', { hasText: '当前密码错误' }).waitFor();
    await shot(page, 'session-change-password-refused');
    await page.fill('#current-password', 'Demo@2026');
    await page.click('[data-testid=change-password-submit]');
    await page.locator('.ant-message', { hasText: '密码已修改' }).waitFor();
    await expect(createClient({ baseUrl: srv.baseUrl }).login({ username: 'rm', password: 'Demo@2026' })).rejects.toMatchObject({ status: 401 });
    // This browser continues in its new session.
    await page.reload();
    await page.locator('[data-testid=user-menu]').waitFor();
    expect(page.url()).not.toContain('/login');
  }, 60_000);

  it('an idle session ends: the next action lands on the login page with the reason', async () => {
    // Idle for longer than the timeout (30 minutes by default): the session's last use, moved back.
    await withClient(srv.dbUrl, (c) => c.query(`UPDATE crm.auth_sessions SET used_at = used_at - interval '31 minutes' WHERE revoked_at IS NULL`));
    const renewed = responses.filter((r) => r.url === '/api/auth/refresh' && r.status === 200).at(-1)!;
    await until(async () => Date.now() > renewed.at + 6_000, { ms: 15_000, everyMs: 250, what: 'the access token to expire' });
    // The next request (a click, or the inbox badge's own poll, whichever comes first) finds the session over.
    if (!new URL(page.url()).pathname.startsWith('/login')) await page.locator('.ant-menu-item', { hasText: '工作台' }).first().click({ timeout: 5_000 }).catch(() => undefined);
    await page.waitForURL((u) => u.pathname.startsWith('/login'));
    await page.locator('[data-testid=login-notice]', { hasText: '长时间未操作，已自动退出，请重新登录' }).waitFor();
    await shot(page, 'session-idle-notice');
    // Coming back later with a reload says the same.
    await page.goto(`${srv.baseUrl}/`);
    await page.waitForURL((u) => u.pathname.startsWith('/login'));
    expect(realErrors(w.errors)).toEqual([]);
  }, 60_000);

  it('keeps a draft of the task form by task: offered back after a reload, removed when the task is completed', async () => {
    // Signed in again (the idle session ended), with the password rm chose above.
    await signIn(page, srv.baseUrl, 'rm', 'Rm#Own-2026');
    await page.goto(`${srv.baseUrl}/tasks`);
    await page.locator('[data-task-name=登记走访情况]').click();
    await page.waitForURL((u) => !!u.searchParams.get('task'));
    const task = { id: new URL(page.url()).searchParams.get('task')! };
    const form = page.locator('[data-testid=task-form]');
    const remark = () => form.locator('[data-field=remark] textarea').first();
    await remark().fill('走访时客户提出提额需求');
    const draftKey = await until(() => page.evaluate(() => Object.keys(sessionStorage).find((k) => k.startsWith('crm.draft:') && k.endsWith(':task:' + new URLSearchParams(location.search).get('task')))), { ms: 10_000, what: 'the task draft to be kept' });
    expect(draftKey).toContain(`:task:${task.id}`);
    await page.reload();
    await form.locator('[data-testid=draft-banner]').waitFor();
    expect(await remark().inputValue()).toBe('');
    await form.locator('[data-testid=draft-restore]').click();
    expect(await remark().inputValue()).toBe('走访时客户提出提额需求');
    await shot(page, 'session-task-draft-restored');
    await form.locator('[data-field=client_name] input').first().fill('李四');
    await page.click('[data-testid=complete-task]');
    await page.locator('[data-testid=task-done], [data-testid=task-form] .ant-alert-error').first().waitFor();
    await shot(page, 'session-task-completed');
    expect(await page.locator('[data-testid=task-done]').count()).toBe(1);
    expect(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('crm.draft:') && k.includes(':task:')))).toEqual([]);
    expect((await apiAs('analyst').instances.get(taskInstance)).variables).toMatchObject({ client_name: '李四', remark: '走访时客户提出提额需求' });
  }, 90_000);
});
