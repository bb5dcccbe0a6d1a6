/**
 * Shared helpers of the browser tests: Debian's chromium driven by playwright-core against the real,
 * built server (which serves the web app's production build at "/").
 */
import { mkdirSync } from 'node:fs';
import { afterAll, afterEach, beforeAll } from '@jest/globals';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { createClient, type ApiClient } from '@crm/shared';
import { startServer } from '../harness/server.js';
import { until } from '../harness/until.js';

/**
 * The server under test: a fresh one from the harness, or (for working on the UI) one already running
 * at BROWSER_TEST_BASE_URL.
 */
export async function serverForTest(): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  const given = process.env.BROWSER_TEST_BASE_URL;
  if (given) return { baseUrl: given.replace(/\/$/, ''), stop: async () => undefined };
  // The demo bank as a newcomer sees it: the bank-crm pack with a few hundred customers.
  // BROWSER_SERVER_TIMEOUT_MS: a longer wait for the demo bank's first start on a loaded machine.
  return startServer({ env: { CRM_DEMO_TEMPLATES: 'bank-crm', CRM_DEMO_CUSTOMERS: '300' }, timeoutMs: SERVER_TIMEOUT_MS });
}

const SERVER_TIMEOUT_MS = Number(process.env.BROWSER_SERVER_TIMEOUT_MS ?? 60_000);

/** Where screenshots go (`BROWSER_SHOTS` to put them elsewhere). */
export const SHOTS = process.env.BROWSER_SHOTS ?? 'test-results/screenshots';

export async function launch(): Promise<Browser> {
  mkdirSync(SHOTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // Every context of every test records Content-Security-Policy violations (see cspViolations).
  const open = browser.newContext.bind(browser);
  browser.newContext = async (...args: Parameters<Browser['newContext']>) => watchCsp(await open(...args));
  return browser;
}

/**
 * Content-Security-Policy violations seen in any page since the last test ended: the browser's
 * "Refused to …" console reports and the pages' `securitypolicyviolation` events. The suite runs
 * under the server's strict policy; after each test the list must be empty (then it is cleared).
 */
export const cspViolations: string[] = [];
const CSP_TAG = '[csp-violation]';

async function watchCsp(context: BrowserContext): Promise<BrowserContext> {
  await context.addInitScript((tag: string) => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`${tag} ${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  }, CSP_TAG);
  const watch = (page: Page) => page.on('console', (m) => {
    const text = m.text();
    if (m.type() === 'error' && (text.startsWith(CSP_TAG) || /Content Security Policy/i.test(text))) cspViolations.push(`${page.url()}: ${text}`);
  });
  context.pages().forEach(watch);
  context.on('page', watch);
  return context;
}

afterEach(() => {
  const seen = cspViolations.splice(0);
  if (seen.length) throw new Error(`Content-Security-Policy violations:\n${seen.join('\n')}`);
});

export interface Watched {
  page: Page;
  /** console errors and uncaught exceptions seen so far */
  errors: string[];
}

/** A fresh page (a 1440×900 desktop unless `options` say otherwise) that records console errors and page errors (failed requests the test expects are filtered by the caller). */
export async function newPage(browser: Browser, options: BrowserContextOptions = {}): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN', ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  const watched = { page, errors };
  // The test environment (tests/harness/browser-environment.mjs) describes these pages in a failure.
  const g = globalThis as { __crmWatchedPages?: Set<Watched> };
  (g.__crmWatchedPages ??= new Set()).add(watched);
  page.on('close', () => g.__crmWatchedPages?.delete(watched));
  return watched;
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: false });
}

export async function signIn(page: Page, baseUrl: string, username: string, password = 'Demo@2026'): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.fill('#login-username', username);
  await page.fill('#login-password', password);
  await page.click('[data-testid=login-submit]');
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

/** A typed API client signed in as a demo user (for a test's setup next to the browser). */
export async function apiAs(baseUrl: string, username: string, password = 'Demo@2026'): Promise<ApiClient> {
  const token = (await createClient({ baseUrl }).login({ username, password })).accessToken;
  return createClient({ baseUrl, getToken: () => token });
}

/** Forgets the browser's session: its refresh cookie and the remembered user (the access token lives only in the page's memory). */
export async function signOut(page: Page): Promise<void> {
  await page.context().clearCookies();
  await page.evaluate(() => localStorage.removeItem('crm.user'));
}

/** An access token of the page's signed-in session, fetched like the app does it (from the refresh cookie). */
export async function sessionToken(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const res = await fetch('/api/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json', 'x-crm-refresh': '1' }, body: '{}' });
    return ((await res.json()) as { accessToken: string }).accessToken;
  });
}

/** Chooses an option of an antd Select by its visible text. */
export async function choose(page: Page, selectTestIdOrSelector: string, optionText: string | RegExp): Promise<void> {
  const el = page.locator(selectTestIdOrSelector).first();
  await el.click();
  // Searchable selects filter as one types (their option lists are virtualized); a pattern such as
  // /^客户$/ (the option 客户, not 客户投诉) types its text without the anchors.
  const isInput = await el.evaluate((e) => e.tagName === 'INPUT');
  const search = isInput ? el : el.locator('input').first();
  const typed = typeof optionText === 'string' ? optionText : optionText.source.replace(/^\^|\$$/g, '');
  if ((await search.count()) && (await search.isEditable().catch(() => false))) await search.pressSequentially(typed);
  const option = page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: optionText }).first();
  for (let attempt = 1; ; attempt++) {
    // Each attempt finds the option anew: the first may have found the same option in another select's
    // list that was still closing (an identical list), which then stays hidden and never takes a click.
    const clicked = await option.click({ timeout: attempt < 3 ? 10_000 : 30_000 }).then(() => true, (err: unknown) => {
      if (attempt === 3) throw err;
      return false;
    });
    // A click that took closes the list (single) or marks the option (multiple). On a loaded machine a
    // re-render between mouse down and up can swallow it, leaving the list open and nothing chosen.
    const took = clicked && (await until(async () => (await option.count()) === 0 || /\bant-select-item-option-selected\b/.test((await option.getAttribute('class', { timeout: 1000 }).catch(() => '')) ?? ''), { ms: 3000, everyMs: 100 }).catch(() => false));
    if (took) return;
    if (attempt === 3) throw new Error(`${selectTestIdOrSelector}: the option “${optionText}” was clicked ${attempt} times and never chosen`);
  }
}

/**
 * Opens the main menu's entry for `path` (its group, by label, first) and waits until the page is the
 * entry's. Clicking a group toggles it, so it is opened only while the entry is hidden; a click the
 * menu's animation swallowed on a loaded machine is retried.
 */
export async function openMenuEntry(page: Page, path: string, group?: string): Promise<void> {
  const menu = page.locator('[data-testid=main-menu]');
  const item = menu.locator(`li[data-menu-id$="-${path}"]`);
  const at = () => new URL(page.url()).pathname === path;
  await until(async () => {
    if (at()) return true;
    if (group && !(await item.isVisible())) await menu.getByText(group, { exact: true }).click();
    await item.click({ timeout: 5000 }).catch(() => undefined);
    return at();
  }, { ms: 30_000, everyMs: 300, what: `the menu entry ${path}` });
}

/**
 * Confirms the open pop-confirm. A confirmation that took closes it or shows its button loading (an
 * asynchronous action); on a loaded machine a click during its opening can be lost — then it clicks again.
 */
export async function confirmPopup(page: Page): Promise<void> {
  const ok = page.locator('.ant-popconfirm:visible .ant-btn-primary');
  for (let attempt = 1; ; attempt++) {
    await ok.click();
    const took = await until(async () => (await ok.count()) === 0 || /\bant-btn-loading\b/.test((await ok.getAttribute('class', { timeout: 1000 }).catch(() => '')) ?? ''), { ms: 3000, everyMs: 100 }).catch(() => false);
    if (took) return;
    if (attempt === 3) throw new Error(`the pop-confirm's button was clicked ${attempt} times and the confirmation never taken`);
  }
}

/** Console errors other than the browser's report of an HTTP error status (the UI shows those itself). */
export function realErrors(errors: string[]): string[] {
  return errors.filter((e) => !/Failed to load resource: the server responded with a status of/.test(e));
}

/** Waits until a locator matches exactly n elements. */
export async function waitCount(locator: { count(): Promise<number> }, n: number, timeoutMs = 10_000): Promise<void> {
  let c = -1;
  await until(async () => (c = await locator.count()) === n, { ms: timeoutMs, everyMs: 100, what: () => `${n} elements (found ${c})` });
}

export interface BrowserSession {
  srv: { baseUrl: string; stop(): Promise<void> };
  browser: Browser;
  w: Watched;
  page: Page;
}

/**
 * One server, one browser and one watched page for a whole test file, opened before its tests and
 * closed after them. Read the fields inside tests (they are filled by the time tests run).
 */
export function browserSession(): BrowserSession {
  const session = {} as BrowserSession;
  beforeAll(async () => {
    session.srv = await serverForTest();
    session.browser = await launch();
    session.w = await newPage(session.browser);
    session.page = session.w.page;
  }, 60_000 + SERVER_TIMEOUT_MS);
  afterAll(async () => {
    await session.browser?.close();
    await session.srv?.stop();
  });
  return session;
}

/** Calls the API as the signed-in user (with a token of the page's session). */
export async function apiCall(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const token = await sessionToken(page);
  return page.evaluate(async ([m, p, b, tk]) => {
    const res = await fetch(p as string, { method: m as string, headers: { 'content-type': 'application/json', authorization: `Bearer ${tk}` }, body: b === undefined ? undefined : JSON.stringify(b) });
    return { status: res.status, body: await res.json() };
  }, [method, path, body, token] as const);
}
