/**
 * The screens for what the server already had: segments (members by name, a process per member),
 * guarantee circles (amounts as decimal strings, the ECharts graph), solution packs (the upgrade
 * preview writes nothing), incidents (error without stack, variables, retry then the list refreshes)
 * and API keys (the secret once, revoke; the administrator's view). Each as the role the server lets
 * in; a role without the right sees no menu entry and a refusal on the URL.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { ApiError, type ApiClient } from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';
import { until } from '../harness/until.js';
import { chain } from '../api/workflow-bpmn.js';
import { apiAs, choose, confirmPopup, launch, openMenuEntry, newPage, realErrors, shot, signIn, signOut, type Watched } from './browser.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    if (err instanceof ApiError) return err.status;
    throw err;
  }
}

describe('screens for segments, guarantee circles, packs, incidents and API keys', () => {
  let srv: TestServer;
  let browser: Browser;
  let w: Watched;
  let page: Page;
  let admin: ApiClient;
  let rm: ApiClient;

  const as = async (user: string) => {
    await page.goto(`${srv.baseUrl}/login`);
    await signOut(page);
    await signIn(page, srv.baseUrl, user);
  };
  const menu = () => page.locator('[data-testid=main-menu]');
  const openEntry = (key: string, group?: string) => openMenuEntry(page, key, group);
  const bodyText = () => page.locator('.app-content').innerText();

  beforeAll(async () => {
    srv = await startServer({
      env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '300', CRM_WORKFLOW_TEST_SERVICES: '1', CRM_JOB_POLL_MS: '100', CRM_JOB_BACKOFF_MS: '0', CRM_JOB_MAX_ATTEMPTS: '1' },
      timeoutMs: Number(process.env.BROWSER_SERVER_TIMEOUT_MS ?? 60_000),
    });
    browser = await launch();
    w = await newPage(browser);
    page = w.page;
    admin = await apiAs(srv.baseUrl, 'admin');
    rm = await apiAs(srv.baseUrl, 'rm');
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it('incidents: the administrator sees the failed step without a stack, its variables, and retries it', async () => {
    const analyst = await apiAs(srv.baseUrl, 'analyst');
    // The start form names the variables: the incident shows their labels, not their keys.
    await analyst.meta.createObject({ key: 'core_note', label: '核心系统同步单', fields: [{ key: 'message', label: '同步说明', type: 'textarea' }, { key: 'branch', label: '所属分行', type: 'text' }] });
    await analyst.meta.createForm({ key: 'core_note_form', object: 'core_note', title: { 'zh-CN': '同步单' }, layout: [{ type: 'section', title: { 'zh-CN': '同步' }, items: [{ field: 'message' }, { field: 'branch' }] }] });
    await analyst.meta.publishForm('core_note_form');
    await analyst.processes.deploy({
      key: 'core_sync',
      bpmnXml: chain('core_sync', ['<bpmn:startEvent id="s" crm:formKey="core_note_form"/>', '<bpmn:serviceTask id="call" name="同步核心系统" crm:type="fail"/>', '<bpmn:endEvent id="e"/>'], { name: '核心系统同步' }),
    });
    const started = await analyst.processes.start('core_sync', { variables: { message: '核心系统暂不可用\n    at CoreClient.call (core.js:1:1)', branch: '上海分行' } });
    const inc = await until(async () => (await admin.incidents.list()).find((i) => i.processInstanceId === started.id), { ms: 30_000, what: 'the incident' });
    expect(inc).toMatchObject({ processName: '核心系统同步', activityName: '同步核心系统' });
    // Nobody else lists or retries incidents.
    expect(await status(rm.incidents.list())).toBe(403);
    expect(await status(rm.incidents.retry(inc.id))).toBe(403);

    await as('admin');
    await openEntry('/admin/incidents', '系统管理');
    const row = page.locator('[data-testid=incident-list] tr', { hasText: '核心系统同步' });
    await row.waitFor();
    expect(await row.innerText()).toContain('同步核心系统');
    expect(await row.innerText()).toContain('核心系统暂不可用');
    expect(await row.innerText()).not.toContain('CoreClient');
    await page.click(`[data-testid="incident-open-${inc.id}"]`);
    const vars = page.locator('[data-testid=incident-variables]', { hasText: '上海分行' });
    await vars.waitFor();
    const labels = await vars.locator('.ant-descriptions-item-label').allInnerTexts();
    expect(labels).toEqual(expect.arrayContaining(['同步说明', '所属分行']));
    expect(labels).not.toContain('branch');
    await shot(page, 'admin-screens-incident');
    await page.keyboard.press('Escape');
    // The cause is fixed, then the step is retried after confirming: the list no longer holds it.
    await admin.instances.setVariables(started.id, { variables: { shouldFail: false } });
    await page.click(`[data-testid="incident-retry-${inc.id}"]`);
    await confirmPopup(page);
    await until(async () => (await row.count()) === 0, { ms: 20_000, what: 'the retried incident gone from the list' });
    await until(async () => (await admin.instances.get(started.id)).state === 'completed', { ms: 20_000, what: 'the instance completed' });
    expect(realErrors(w.errors)).toEqual([]);
  });

  it('API keys: the secret is shown once with a copy button; the administrator sees and revokes keys', async () => {
    await rm.createApiKey({ name: '客户经理的脚本' });
    await page.goto(`${srv.baseUrl}/api-keys`);
    await page.click('[data-testid=api-key-create]');
    await page.fill('[data-testid=api-key-name]', '数据仓库同步');
    await page.locator('.ant-modal-footer .ant-btn-primary').click();
    const secret = page.locator('[data-testid=api-key-secret]');
    await secret.waitFor();
    const key = (await secret.innerText()).trim();
    expect(key).toMatch(/^crmk_[0-9a-f]{32}_/);
    expect(await page.locator('.ant-modal', { hasText: '只显示这一次' }).locator('.ant-typography-copy').count()).toBe(1);
    await shot(page, 'admin-screens-api-key-secret');
    // The key works, as its owner.
    const me = await fetch(`${srv.baseUrl}/api/auth/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(me.status).toBe(200);
    await page.getByRole('button', { name: '我已妥善保存' }).click();
    await page.locator('[data-testid=my-api-keys] tr', { hasText: '数据仓库同步' }).waitFor();
    await page.getByRole('tab', { name: '全部密钥（管理员）' }).click();
    const row = page.locator('[data-testid=all-api-keys] tr', { hasText: '数据仓库同步' });
    await row.waitFor();
    await shot(page, 'admin-screens-api-keys-all');
    // Another person's key is listed but is theirs to revoke, not the administrator's.
    const rmKey = page.locator('[data-testid=all-api-keys] tr', { hasText: '客户经理的脚本' });
    await rmKey.waitFor();
    expect(await rmKey.locator('[data-testid^=revoke-]').count()).toBe(0);
    await row.locator('[data-testid^=revoke-]').click();
    await confirmPopup(page);
    await row.locator('.ant-tag', { hasText: '已吊销' }).waitFor();
    expect((await fetch(`${srv.baseUrl}/api/auth/me`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
    // A person's keys are theirs: rm neither lists all keys nor revokes another's.
    expect(await status(rm.admin.listServiceApiKeys())).toBe(403);
    expect(realErrors(w.errors)).toEqual([]);
  });

  it('solution packs: the designer previews an upgrade, and the preview writes nothing', async () => {
    const analyst = await apiAs(srv.baseUrl, 'analyst');
    const before = (await analyst.templates.list()).find((p) => p.key === 'bank-crm')!;
    expect(before.installed).not.toBeNull();
    expect(await status(rm.templates.preview('bank-crm'))).toBe(403);
    expect(await status(analyst.templates.preview('nope'))).toBe(404);

    await as('analyst');
    await openEntry('/admin/packs', '系统管理');
    const row = page.locator('[data-testid=pack-list] tr', { hasText: `v${before.version}` }).first();
    await row.waitFor();
    await page.click('[data-testid=pack-preview-bank-crm]');
    await page.locator('[data-testid=preview-nothing], [data-testid=preview-result]').first().waitFor();
    await shot(page, 'admin-screens-pack-preview');
    const after = (await analyst.templates.list()).find((p) => p.key === 'bank-crm')!;
    expect(after.installed).toEqual(before.installed);
    expect(realErrors(w.errors)).toEqual([]);
  });

  it('a record page\'s 相关流程 tab names the processes run for it, not their keys', async () => {
    const analyst = await apiAs(srv.baseUrl, 'analyst');
    await analyst.processes.deploy({
      key: 'core_note_review',
      bpmnXml: chain('core_note_review', ['<bpmn:startEvent id="s"/>', '<bpmn:userTask id="check" name="复核同步单" crm:assignee="analyst"/>', '<bpmn:endEvent id="e"/>'], { name: '同步单复核' }),
    });
    const note = await analyst.records.create('core_note', { message: '每日对账', branch: '上海分行' });
    await analyst.processes.start('core_note_review', { record: { object: 'core_note', id: String(note.id) } });
    await as('analyst');
    await page.goto(`${srv.baseUrl}/records/core_note/${note.id}`);
    await page.getByRole('tab', { name: '相关流程' }).click();
    await page.waitForLoadState('networkidle');
    await page.locator('a[href^="/instances/"]', { hasText: '同步单复核' }).first().waitFor();
    await shot(page, 'admin-screens-record-processes');
    expect(await page.locator('.app-content').innerText()).not.toContain('core_note_review');
    expect(realErrors(w.errors)).toEqual([]);
  });

  it('segments: counts, members by name, a process per member; circles with amounts and a graph', async () => {
    const manager = await apiAs(srv.baseUrl, 'manager');
    const segment = (await manager.customers.listSegments()).find((s) => (s.count ?? 0) > 0)!;
    expect(segment).toBeDefined();
    await as('manager');
    await openEntry('/segments');
    const list = page.locator('[data-testid=segment-list]');
    await list.locator('[data-testid=segment-count]').first().waitFor();
    await shot(page, 'admin-screens-segments');
    await list.locator('a', { hasText: String(segment.name) }).click();
    const members = page.locator('[data-testid=segment-members] tr.ant-table-row');
    await members.first().waitFor();
    expect(await bodyText()).not.toMatch(UUID);
    await shot(page, 'admin-screens-segment-members');
    // The manager may start processes but not plan campaigns.
    expect(await page.locator('[data-testid=segment-campaign]').count()).toBe(0);
    await page.click('[data-testid=segment-start]');
    await choose(page, '[data-testid=segment-start-process]', '定期 KYC 复核');
    await page.locator('.ant-modal input.ant-input-number-input').fill('1');
    await page.locator('.ant-modal-footer .ant-btn-primary').click();
    await page.locator('.ant-message', { hasText: '已为 1 位客户发起流程' }).waitFor();

    await openEntry('/guarantee-circles');
    const circles = page.locator('[data-testid=circle-list] tr.ant-table-row');
    await page.locator('[data-testid=circle-list]').waitFor();
    const seen = await manager.customers.guaranteeCircles();
    if (seen.length) {
      await circles.first().waitFor();
      expect(seen[0]!.totalAmount).toMatch(/^\d+\.\d{2}$/);
      await page.locator('[data-testid=circle-graph] canvas').first().waitFor();
      expect(await bodyText()).not.toMatch(UUID);
    }
    await shot(page, 'admin-screens-guarantee-circles');
    expect(realErrors(w.errors)).toEqual([]);
  });

  it('a role without the right sees no entry and is refused on the URL', async () => {
    await as('rm');
    await menu().getByText('我的待办').waitFor();
    const text = await menu().innerText();
    for (const entry of ['流程异常', '解决方案包', 'API 密钥']) expect(text).not.toContain(entry);
    await page.goto(`${srv.baseUrl}/admin/incidents`);
    await page.locator('[data-testid=no-permission]').waitFor();
    expect(await page.locator('[data-testid=incident-list]').count()).toBe(0);
    await shot(page, 'admin-screens-refused');
  });
});
