#!/usr/bin/env node
// Runs every jest project once and prints the plain summary line `N passed, N failed`
// (CI reads that line, not jest's own summary). Extra arguments go to jest.
//
// Without arguments the run has two phases: unit, server, api and browser tests with one jest worker
// per core (each test file has its own database and server, so files are independent), then the
// operations tests alone — they time restarts, failovers and worker processes and must not share the
// machine with other tests. CRM_TEST_WORKERS overrides the first phase's worker count.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const jestBin = require.resolve('jest/bin/jest');
mkdirSync('test-results', { recursive: true });

function runJest(outFile, args) {
  rmSync(outFile, { force: true });
  const res = spawnSync(
    process.execPath,
    ['--experimental-vm-modules', '--disable-warning=ExperimentalWarning', jestBin,
     '--json', `--outputFile=${outFile}`, ...args],
    { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
  );
  const summary = existsSync(outFile) ? JSON.parse(readFileSync(outFile, 'utf8')) : null;
  const passed = summary ? summary.numPassedTests : 0;
  // A suite that fails to run at all counts as a failure, as does a run that wrote no results.
  const failed = summary ? summary.numFailedTests + (summary.numRuntimeErrorTestSuites ?? 0) : 1;
  return { passed, failed, ok: res.status === 0 && failed === 0 };
}

const extra = process.argv.slice(2);
const phases = extra.length > 0
  ? [['test-results/jest.json', extra]]
  : [
      ['test-results/jest.json', ['--selectProjects', 'unit', 'server', 'api', 'browser',
        `--maxWorkers=${process.env.CRM_TEST_WORKERS ?? Math.max(1, Math.min(availableParallelism(), 4))}`]],
      ['test-results/jest-ops.json', ['--selectProjects', 'ops', '--maxWorkers=1']],
    ];

let passed = 0;
let failed = 0;
let ok = true;
for (const [outFile, args] of phases) {
  const r = runJest(outFile, args);
  passed += r.passed;
  failed += r.failed;
  ok = ok && r.ok;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(ok && failed === 0 ? 0 : 1);
