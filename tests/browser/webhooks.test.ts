/**
 * The webhook admin screen in a real browser with a real local receiver that verifies every signature
 * with the independent `standardwebhooks` package: only holders of `webhooks.manage` see the menu; a
 * subscription is created and its secret shown once; a test ping arrives signed (after one refused
 * attempt, retried); a record change arrives; the delivery log shows each message with its attempts;
 * one message and a time range are replayed (same webhook-id again); the secret is rotated.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { createClient } from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';
import { until } from '../harness/until.js';
import { confirmPopup, launch, newPage, openMenuEntry, realErrors, shot, signIn, signOut, type Watched } from './browser.js';

interface Got { id: string; type: string; valid: boolean }

describe('webhook admin screen', () => {
  const got: Got[] = [];
  const secrets: string[] = [];
  let refuseNext = 0;
  const rx = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
      const valid = secrets.some((s) => {
        try {
          new StandardWebhook(s).verify(body, headers);
          return true;
        } catch {
          return false;
        }
      });
      if (refuseNext > 0) {
        refuseNext--;
        res.writeHead(503).end('busy, try later');
        return;
      }
      got.push({ id: headers['webhook-id'], type: (JSON.parse(body) as { type: string }).type, valid });
      res.writeHead(200).end('ok');
    });
  });
  let srv: TestServer;
  let browser: Browser;
  let w: Watched;
  let page: Page;
  let port = 0;

  beforeAll(async () => {
    await new Promise<void>((r) => rx.listen(0, '127.0.0.1', r));
    port = (rx.address() as AddressInfo).port;
    srv = await startServer({ env: { CRM_WEBHOOK_ALLOWED_ORIGINS: `http://127.0.0.1:${port}`, CRM_WEBHOOK_POLL_MS: '100', CRM_WEBHOOK_BACKOFF_MS: '300', CRM_WEBHOOK_MAX_BACKOFF_MS: '600' } });
    const login = async (u: string) => (await createClient({ baseUrl: srv.baseUrl }).login({ username: u, password: 'Demo@2026' })).accessToken;
    const analyst = createClient({ baseUrl: srv.baseUrl, getToken: await login('analyst').then((t) => () => t) });
    const security = createClient({ baseUrl: srv.baseUrl, getToken: await login('security').then((t) => () => t) });
    await analyst.meta.createObject({ key: 'wh_obj', label: { 'zh-CN': '线索', en: 'Lead' }, fields: [{ key: 'title', label: { 'zh-CN': '名称', en: 'Title' }, type: 'text', required: true }] });
    await security.admin.updateRole('rm', { platform: ['process.start', 'webhooks.manage'], permissions: [{ object: 'wh_obj', actions: ['create', 'read', 'update'], scope: 'all' }] });
    browser = await launch();
    w = await newPage(browser);
    page = w.page;
    await page.setViewportSize({ width: 1366, height: 768 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await srv?.stop();
    await new Promise((r) => rx.close(r));
  });

  it('only holders of webhooks.manage see the menu', async () => {
    await signIn(page, srv.baseUrl, 'analyst');
    await page.locator('[data-testid=main-menu]').waitFor();
    expect(await page.locator('[data-testid=main-menu]').textContent()).not.toContain('Webhook');
    await signOut(page);
    await signIn(page, srv.baseUrl, 'rm');
    // The group's opening animation can swallow the entry's click on a loaded machine: the helper retries.
    await openMenuEntry(page, '/admin/webhooks', '系统管理');
    await page.locator('[data-testid=webhook-create]').waitFor();
  }, 60_000);

  it('creates a subscription (secret shown once), pings, logs attempts, replays and rotates', async () => {
    w.errors.length = 0;
    await page.click('[data-testid=webhook-create]');
    await page.fill('[data-testid=webhook-url]', `http://127.0.0.1:${port}/crm`);
    await page.locator('[data-testid=webhook-events] input').fill('record.created:wh_obj');
    await page.keyboard.press('Enter');
    await page.click('[data-testid=webhook-create-ok]');
    const secret = (await page.locator('[data-testid=webhook-secret]').innerText()).trim();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    secrets.push(secret);
    await page.waitForFunction(() => !document.querySelector('.ant-zoom-appear, .ant-zoom-enter'));
    await shot(page, 'webhooks-secret');
    await page.click('[data-testid=webhook-secret-done]');
    await page.locator('[data-testid=webhook-list]', { hasText: `127.0.0.1:${port}/crm` }).waitFor();

    // A test ping: the receiver refuses the first attempt, the retry arrives signed.
    refuseNext = 1;
    await page.locator('[data-testid^=webhook-ping-]').click();
    await until(() => got.some((g) => g.type === 'webhook.ping'), { what: 'the ping at the receiver' });
    // A record change reaches the receiver too.
    const token = (await createClient({ baseUrl: srv.baseUrl }).login({ username: 'rm', password: 'Demo@2026' })).accessToken;
    await createClient({ baseUrl: srv.baseUrl, getToken: () => token }).records.create('wh_obj', { title: '新线索' });
    await until(() => got.some((g) => g.type === 'record.created:wh_obj'), { what: 'the record event at the receiver' });
    expect(got.every((g) => g.valid)).toBe(true);

    await page.locator('[data-testid^=webhook-log-]').click();
    const log = page.locator('[data-testid=delivery-log]');
    await log.locator('tr', { hasText: 'webhook.ping' }).locator('[data-testid=delivery-status]', { hasText: '已送达' }).waitFor();
    await log.locator('tr', { hasText: 'record.created:wh_obj' }).locator('[data-testid=delivery-status]', { hasText: '已送达' }).waitFor();
    // The ping's attempts: the refused one (503) and the delivered one (200).
    await log.locator('tr', { hasText: 'webhook.ping' }).locator('.ant-table-row-expand-icon').click();
    const attempts = page.locator('[data-testid=delivery-attempts]');
    await attempts.locator('td', { hasText: '503' }).first().waitFor();
    await attempts.locator('td', { hasText: /^200$/ }).first().waitFor();
    await shot(page, 'webhooks-delivery-log');

    // Replay one message: the same webhook-id arrives again.
    const pingId = got.find((g) => g.type === 'webhook.ping')!.id;
    await page.click(`[data-testid=replay-${pingId}]`);
    await until(() => got.filter((g) => g.id === pingId).length === 2, { what: 'the replayed ping' });

    // Replay a time range covering both messages.
    const before = got.length;
    const from = new Date(Date.now() - 3_600_000);
    const to = new Date(Date.now() + 3_600_000);
    const fmt = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}:00`;
    const inputs = page.locator('[data-testid=replay-range] input');
    await inputs.nth(0).click();
    await inputs.nth(0).fill(fmt(from));
    await page.keyboard.press('Enter');
    await inputs.nth(1).fill(fmt(to));
    await page.keyboard.press('Enter');
    await page.locator('[data-testid=replay-range-run]:not([disabled])').click();
    await until(() => got.length >= before + 2, { what: 'the replayed range' });
    expect(got.slice(before).map((g) => g.type).sort()).toEqual(['record.created:wh_obj', 'webhook.ping']);
    await page.locator('.ant-drawer-close').click();

    // Rotate: a new secret, shown once; the old one still signs during the grace period.
    await page.locator('[data-testid^=webhook-rotate-]').click();
    await confirmPopup(page);
    // The dialog shows the new secret once the server answered (until then it may still hold the first one).
    const rotated = await until(async () => {
      const shown = (await page.locator('[data-testid=webhook-secret]').innerText()).trim();
      return shown !== secret && shown;
    }, { what: 'the rotated secret' });
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await page.click('[data-testid=webhook-secret-done]');
    secrets.length = 0;
    secrets.push(rotated);
    const n = got.length;
    await page.locator('[data-testid^=webhook-ping-]').click();
    await until(() => got.length > n, { what: 'a ping after the rotation' });
    expect(got.at(-1)).toMatchObject({ type: 'webhook.ping', valid: true });
    await shot(page, 'webhooks-list');
    expect(realErrors(w.errors)).toEqual([]);
  }, 120_000);
});
