/**
 * The browser tests' environment. When a test (or a hook) fails, the pages it drove describe themselves
 * in the failure: address, visible text and console errors, plus a screenshot — a timing fault on another
 * machine leaves nothing but the CI log behind. Pages register through tests/browser/browser.ts newPage.
 */
import { mkdirSync } from 'node:fs';
import nodeEnvironment from 'jest-environment-node';

const Base = nodeEnvironment.TestEnvironment ?? nodeEnvironment.default ?? nodeEnvironment;
const SHOTS = process.env.BROWSER_SHOTS ?? 'test-results/screenshots';
const TEXT_CHARS = 1500;

export default class BrowserTestEnvironment extends Base {
  async handleTestEvent(event, state) {
    if (super.handleTestEvent) await super.handleTestEvent(event, state);
    if (event.name !== 'test_fn_failure' && event.name !== 'hook_failure') return;
    const watched = this.global.__crmWatchedPages;
    if (!watched || watched.size === 0 || typeof event.error !== 'object' || event.error === null) return;
    const name = event.test?.name ?? event.hook?.type ?? 'hook';
    const report = [];
    let n = 0;
    for (const w of watched) {
      if (w.page.isClosed()) continue;
      n += 1;
      const file = `${SHOTS}/failure-${slug(name)}-${n}.png`;
      const text = await w.page.locator('body').innerText({ timeout: 3000 }).catch((e) => `(no text: ${String(e.message).split('\n')[0]})`);
      const shot = await w.page.screenshot({ path: (mkdirSync(SHOTS, { recursive: true }), file), timeout: 5000 }).then(() => file, () => '(no screenshot)');
      report.push(
        `page ${n}: ${w.page.url()}  screenshot: ${shot}`,
        `  visible text: ${text.replace(/\s+/g, ' ').slice(0, TEXT_CHARS)}`,
        ...(w.errors.length ? [`  console errors (last 5): ${w.errors.slice(-5).join(' | ')}`] : []),
      );
    }
    if (report.length) attach(event.error, `\n\nWhat the browser showed when it failed:\n${report.join('\n')}\n`);
  }
}

/** Adds the text to the error's message, before its stack frames (where jest prints the message). */
function attach(error, text) {
  // Read the stack before the message changes: V8 writes it out on first access, message included.
  const stack = error.stack;
  if (typeof error.message === 'string') error.message += text;
  if (typeof stack === 'string') {
    const at = stack.search(/\n\s+at /);
    error.stack = at < 0 ? stack + text : stack.slice(0, at) + text + stack.slice(at);
  }
}

function slug(s) {
  return String(s).replace(/[^\p{L}\p{N}]+/gu, '-').slice(0, 60);
}
