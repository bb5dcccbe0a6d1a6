#!/usr/bin/env node
// Form rendering bench, in headless Chromium, in one run: a 500-field form rendered by the platform's
// form runtime (antd inputs, the shared form engine validating as you type) next to @rjsf/core rendering
// the equivalent JSON Schema (with and without its live validation). Prints the time from the render
// call to the first painted frame, the median time from a keystroke to the next painted frame, and
// the ratios. Not a test: figures vary with the machine; the ratios are measured in the same run.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(repo, 'apps/web');
const require = createRequire(path.join(repo, 'package.json'));
const { chromium } = require('playwright-core');
/** `pnpm bench form-render` (bench/run.mjs calls run()); also runnable directly with node. */
export async function run() {
  const RUNS = Number(process.env.BENCH_RUNS ?? 5);
  const KEYS = Number(process.env.BENCH_KEYS ?? 40);

  // 1. Build the bench page with the web app's own Vite setup (production mode, like the product).
  const out = mkdtempSync(path.join(tmpdir(), 'form-render-bench-'));
  const build = spawnSync(process.execPath, [path.join(web, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'bench/form-render/vite.config.ts', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'], { cwd: web, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`bench page build failed (${build.status})`);

  // 2. Serve it from loopback.
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.woff2': 'font/woff2' };
  const server = createServer((req, res) => {
    const p = path.join(out, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const file = existsSync(p) && !p.endsWith('/') ? p : path.join(out, 'index.html');
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}/`;

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });

  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

  async function measure(query) {
    const firsts = [];
    const alls = [];
    const keys = [];
    for (let run = 0; run < RUNS; run++) {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(`${base}?${query}`);
      await page.waitForFunction(() => window.__ready === true, null, { timeout: 60_000 });
      firsts.push(await page.evaluate(() => window.__firstRender));
      // Large forms mount their later blocks in idle time: wait for the whole form before typing.
      if (query.includes('ours')) {
        await page.waitForFunction(() => window.__allMounted !== undefined, null, { timeout: 60_000 });
        alls.push(await page.evaluate(() => window.__allMounted));
      }
      await page.waitForTimeout(300);
      if (run === 0) {
        // Keystrokes into a text field in the middle of the form.
        const input = page.locator('#b-f251, #b_f251').first();
        await input.scrollIntoViewIfNeeded();
        await input.click();
        await page.evaluate(() => { window.__keys = []; });
        for (let i = 0; i < KEYS; i++) {
          await page.keyboard.press(i % 7 === 6 ? 'Backspace' : 'a');
          await page.waitForFunction((n) => window.__keys.length >= n, i + 1);
        }
        keys.push(...(await page.evaluate(() => window.__keys)));
      }
      await page.close();
    }
    return { first: median(firsts), all: alls.length ? median(alls) : null, key: median(keys.slice(3)) };
  }

  try {
    const ours = await measure('lib=ours');
    const rjsf = await measure('lib=rjsf');
    const rjsfLive = await measure('lib=rjsf&live=1');
    const f = (n) => `${n.toFixed(1).padStart(7)} ms`;
    const r = (a, b) => `${(b / a).toFixed(2)}×`;
    console.log('form-render: 500-field form, headless Chromium, medians');
    console.log(`                              first render   keystroke→paint`);
    console.log(`  platform form runtime     ${f(ours.first)}      ${f(ours.key)}`);
    console.log(`  @rjsf/core                ${f(rjsf.first)}      ${f(rjsf.key)}`);
    console.log(`  @rjsf/core liveValidate   ${f(rjsfLive.first)}      ${f(rjsfLive.key)}`);
    console.log(`  (platform: the first blocks paint at once; all 500 fields were mounted after ${ours.all?.toFixed(0)} ms, in idle time)`);
    console.log(`  ratio rjsf / platform        ${r(ours.first, rjsf.first).padStart(7)}         ${r(ours.key, rjsf.key).padStart(7)}`);
    console.log(`  ratio rjsf(live) / platform  ${r(ours.first, rjsfLive.first).padStart(7)}         ${r(ours.key, rjsfLive.key).padStart(7)}`);
    console.log(`  targets: first render ≤ 300 ms ${ours.first <= 300 ? 'met' : 'MISSED'}; keystroke ≤ 16 ms ${ours.key <= 16 ? 'met' : 'MISSED'}; faster than rjsf on both: ${ours.first < rjsf.first && ours.key < rjsf.key ? 'yes' : 'no'}`);
  } finally {
    await browser.close();
    server.close();
    rmSync(out, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
