#!/usr/bin/env node
// Runs every jest project once and prints the plain summary line `N passed, N failed`
// (CI reads that line, not jest's own summary). Extra arguments go to jest.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const jestBin = require.resolve('jest/bin/jest');
mkdirSync('test-results', { recursive: true });
const out = 'test-results/jest.json';
const res = spawnSync(
  process.execPath,
  ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning', jestBin,
   '--json', `--outputFile=${out}`, ...process.argv.slice(2)],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
const summary = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : null;
const passed = summary ? summary.numPassedTests : 0;
// A suite that fails to run at all counts as a failure, as does a run that wrote no results.
const failed = summary ? summary.numFailedTests + (summary.numRuntimeErrorTestSuites ?? 0) : 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(res.status === 0 && failed === 0 ? 0 : 1);
