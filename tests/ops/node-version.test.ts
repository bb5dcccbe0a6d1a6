/** `pnpm start`, `pnpm test` and .ci/run first check the Node.js version (scripts/check-node.cjs). */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));

/** Runs the check as if on Node `version`. */
function checkAs(version: string) {
  const code = `Object.defineProperty(process, 'version', { value: ${JSON.stringify(version)} }); require('./scripts/check-node.cjs');`;
  return spawnSync(process.execPath, ['-e', code], { cwd: repo, encoding: 'utf8' });
}

describe('Node.js version check', () => {
  it('needs what package.json engines names', () => {
    expect(pkg.engines.node).toBe('>=20.19');
  });

  it.each(['v18.20.4', 'v20.18.3', 'v16.0.0'])('refuses %s with a clear message and exit code 1', (v) => {
    const r = checkAs(v);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`This project needs Node.js >=20.19 (package.json "engines"); this is Node.js ${v}`);
    expect(r.stderr).toContain('Install Node.js 20.19 or newer');
  });

  it.each(['v20.19.0', 'v20.20.2', 'v22.12.0', 'v24.0.0'])('accepts %s', (v) => {
    const r = checkAs(v);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('stops the build that pnpm start and pnpm test run before it compiles anything', () => {
    expect(pkg.scripts.start).toMatch(/^node scripts\/build\.mjs && /);
    expect(pkg.scripts.test).toMatch(/^node scripts\/build\.mjs && /);
    const code = `Object.defineProperty(process, 'version', { value: 'v18.20.4' }); import('./scripts/build.mjs');`;
    const r = spawnSync(process.execPath, ['-e', code], { cwd: repo, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('This project needs Node.js >=20.19');
    expect(r.stdout).not.toContain('web:'); // nothing after the check ran
  });

  it('runs first in .ci/run, before anything is installed', () => {
    const ci = readFileSync(path.join(repo, '.ci/run'), 'utf8');
    expect(ci.indexOf('node scripts/check-node.cjs')).toBeGreaterThan(0);
    expect(ci.indexOf('node scripts/check-node.cjs')).toBeLessThan(ci.indexOf('pnpm install'));
  });
});
