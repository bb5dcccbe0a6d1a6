/**
 * The reset flow in the browser: the administrator resets a password and sees the temporary one once;
 * signing in with it leads to the change-password form and then into the app; resetting the auditor
 * waits for the security administrator, who approves it on the roles screen.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { createClient } from '@crm/shared';
import { browserSession, type BrowserSession, confirmPopup, realErrors, shot, signIn, signOut, waitCount, type Watched } from './browser.js';

describe('password reset screens', () => {
  const session = browserSession();
  let srv: BrowserSession['srv'];
  let w: Watched;
  let page: Page;

  beforeAll(async () => {
    ({ srv, w, page } = session);
    const token = (await createClient({ baseUrl: srv.baseUrl }).login({ username: 'admin', password: 'Demo@2026' })).accessToken;
    const api = createClient({ baseUrl: srv.baseUrl, getToken: () => token });
    await api.admin.createUser({ username: 'teller_ui', password: 'Teller#2026a', displayName: '柜员甲', roles: ['rm'] });
  });

  /** Resets `username` on the users screen; returns the temporary password shown, or null when it went to approval. */
  async function resetOnUsersScreen(username: string): Promise<string | null> {
    await page.goto(`${srv.baseUrl}/admin/users`);
    // The list pages: find the user by name first.
    await page.locator('input[placeholder="搜索用户"]').fill(username);
    await page.locator('input[placeholder="搜索用户"]').press('Enter');
    // Wait for the searched list: a click on the first list's row is lost when the table re-renders.
    await waitCount(page.locator('.ant-table-tbody tr.ant-table-row'), 1, 20_000);
    await page.locator(`[data-testid=reset-${username}]`).click();
    await confirmPopup(page);
    const shown = page.locator('[data-testid=temporary-password] code');
    // Not the 3-second toast: the request listed among the pending approvals.
    const pending = page.locator('[data-testid=pending-approvals]', { hasText: username });
    await Promise.race([shown.waitFor(), pending.waitFor()]);
    if (await shown.count()) return (await shown.textContent())!.trim();
    return null;
  }

  async function changeAtSignIn(username: string, temp: string, next: string) {
    await page.goto(`${srv.baseUrl}/login`);
    await page.fill('#login-username', username);
    await page.fill('#login-password', temp);
    await page.click('[data-testid=login-submit]');
    await page.locator('[data-testid=change-password-form]').waitFor();
    await shot(page, 'login-change-password');
    await page.fill('#new-password', next);
    await page.fill('#confirm-password', next);
    await page.click('[data-testid=change-password-submit]');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  }

  it('the administrator resets a password; the user must choose a new one at sign-in', async () => {
    await signIn(page, srv.baseUrl, 'admin');
    w.errors.length = 0;
    const temp = await resetOnUsersScreen('teller_ui');
    expect(temp).toMatch(/^\S{16,}$/);
    await shot(page, 'users-temporary-password');
    await signOut(page);
    await changeAtSignIn('teller_ui', temp!, 'Mine#Own-2026');
    // The new password works; the temporary one does not any more.
    const api = createClient({ baseUrl: srv.baseUrl });
    expect((await api.login({ username: 'teller_ui', password: 'Mine#Own-2026' })).passwordChangeRequired).toBeUndefined();
    await expect(api.login({ username: 'teller_ui', password: temp! })).rejects.toMatchObject({ status: 401 });
    expect(realErrors(w.errors)).toEqual([]);
    await signOut(page);
  }, 90_000);

  it('resetting the auditor waits for the security administrator, who approves it and sees the temporary password once', async () => {
    await signIn(page, srv.baseUrl, 'admin');
    expect(await resetOnUsersScreen('auditor')).toBeNull();
    await page.locator('[data-testid=pending-approvals]', { hasText: 'auditor' }).waitFor();
    // The requester sees the request but no approve button.
    expect(await page.locator('[data-testid=approve-auditor]').count()).toBe(0);
    await signOut(page);
    await signIn(page, srv.baseUrl, 'security');
    await page.goto(`${srv.baseUrl}/admin/roles`);
    await page.locator('[data-testid=approve-auditor]').click();
    const shown = page.locator('[data-testid=temporary-password] code');
    await shown.waitFor();
    await shot(page, 'roles-approve-reset');
    const temp = (await shown.textContent())!.trim();
    await signOut(page);
    await changeAtSignIn('auditor', temp, 'Audit#Mine-2026');
    await page.goto(`${srv.baseUrl}/admin/audit`);
    await page.locator('.page-title', { hasText: '审计日志' }).waitFor();
  }, 90_000);
});
