/**
 * The role editor offers every platform right of the shared contract and grants each of them: the twelve
 * rights are spread over three roles (one role may hold only one of the separated duties), saved on the
 * roles screen and read back over the API. A role combining two duties is refused and left unchanged.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { createClient, PLATFORM_RIGHTS, PLATFORM_RIGHT_LABELS, type ApiClient, type PlatformRight } from '@crm/shared';
import { type BrowserSession, type Watched, browserSession, realErrors, signIn } from './browser.js';

const GRANTS: Record<string, PlatformRight[]> = {
  ui_rights_users: ['designer', 'admin.users', 'admin.org', 'process.start', 'process.admin', 'webhooks.manage', 'privacy', 'marketing.manage', 'events.post'],
  ui_rights_roles: ['admin.roles'],
  ui_rights_audit: ['audit.read', 'audit.verify'],
};

describe('role editor: platform rights', () => {
  const session = browserSession();
  let srv: BrowserSession['srv'];
  let w: Watched;
  let page: Page;
  let api: ApiClient;

  beforeAll(async () => {
    ({ srv, w, page } = session);
    const token = (await createClient({ baseUrl: srv.baseUrl }).login({ username: 'security', password: 'Demo@2026' })).accessToken;
    api = createClient({ baseUrl: srv.baseUrl, getToken: () => token });
    for (const key of Object.keys(GRANTS)) await api.admin.createRole({ key, name: `权限角色 ${key}`, permissions: [] });
    await signIn(page, srv.baseUrl, 'security');
  });

  async function openRole(key: string) {
    await page.goto(`${srv.baseUrl}/admin/roles`);
    await page.locator('.ant-list-item', { hasText: key }).click();
    await page.locator('.ant-card-head', { hasText: key }).waitFor();
  }

  async function tick(rights: PlatformRight[]) {
    for (const r of rights) await page.locator('[data-testid=platform-rights] label', { hasText: PLATFORM_RIGHT_LABELS[r]['zh-CN'] }).click();
  }

  it('offers all twelve rights of the contract, each with its label', async () => {
    await openRole('ui_rights_users');
    const labels = await page.locator('[data-testid=platform-rights] label').allTextContents();
    expect(PLATFORM_RIGHTS).toHaveLength(12);
    expect(labels).toEqual(PLATFORM_RIGHTS.map((r) => PLATFORM_RIGHT_LABELS[r]['zh-CN']));
  });

  it('grants every one of the twelve rights and the server keeps them', async () => {
    for (const [key, rights] of Object.entries(GRANTS)) {
      await openRole(key);
      await tick(rights);
      await page.click('[data-testid=save-role]');
      await page.locator('.ant-message', { hasText: '权限已保存' }).waitFor();
      expect([...((await api.admin.getRole(key)).platform ?? [])].sort()).toEqual([...rights].sort());
    }
    const granted = Object.values(GRANTS).flat();
    expect([...granted].sort()).toEqual([...PLATFORM_RIGHTS].sort());
    expect(realErrors(w.errors)).toEqual([]);
  });

  it('refuses a role holding two separated duties and keeps the saved rights', async () => {
    await openRole('ui_rights_roles');
    await tick(['audit.read']);
    await page.click('[data-testid=save-role]');
    await page.locator('.ant-alert-error', { hasText: '职责分离' }).waitFor();
    expect((await api.admin.getRole('ui_rights_roles')).platform).toEqual(['admin.roles']);
  });
});
