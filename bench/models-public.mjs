#!/usr/bin/env node
// Insight models on public churn data: the telecom churn data set of the MLC++ library (5,000 customers,
// 19 predictors — minutes, calls and charges by day / evening / night / international, plans, voice mail
// messages, customer-service calls, account length — and whether they churned, 14 % positive), as R's
// `modeldata` package ships it (`mlc_churn`). The gradient-boosted trees and the logistic baseline the
// platform trains are fitted on the same 70 % and measured on the same 30 %, over several seeds.
//
// The data: `BENCH_CHURN_CSV=file.csv` (a CSV export of it, header row as in `mlc_churn`), or else it is
// exported on the fly with `Rscript` (Debian: `apt-get install --no-install-recommends r-cran-modeldata`).
// No network access is needed or made.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { treesVersusBaseline } from './models.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const Papa = createRequire(path.join(repo, 'apps/server/package.json'))('papaparse');

/** The identifying columns (a US state, a telephone area code) are left out: they are not behaviour. */
const LEFT_OUT = new Set(['state', 'area_code', 'churn']);

function churnCsv() {
  if (process.env.BENCH_CHURN_CSV) return readFileSync(process.env.BENCH_CHURN_CSV, 'utf8');
  try {
    return execFileSync('Rscript', ['-e', 'write.csv(modeldata::mlc_churn, stdout(), row.names = FALSE)'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch {
    console.error('the public churn data needs BENCH_CHURN_CSV=<csv file> or Rscript with the modeldata package (Debian: apt-get install --no-install-recommends r-cran-modeldata)');
    process.exit(2);
  }
}

/** Columns as numbers: yes/no as 1/0, numbers as they are. */
function encode(rows) {
  const names = Object.keys(rows[0]).filter((k) => !LEFT_OUT.has(k));
  const cols = names.map((k) => Float64Array.from(rows, (r) => (r[k] === 'yes' ? 1 : r[k] === 'no' ? 0 : Number(r[k]))));
  const bad = names.filter((k, f) => cols[f].some((v) => Number.isNaN(v)));
  if (bad.length) throw new Error(`not numeric or yes/no: ${bad.join(', ')}`);
  const y = Float64Array.from(rows, (r) => (r.churn === 'yes' ? 1 : 0));
  return { names, cols, y };
}

/** `pnpm bench models-public` (bench/run.mjs calls run()). */
export async function run() {
  const ml = await import(pathToFileURL(path.join(repo, 'apps/server/dist/insight/ml/index.js')).href);
  const parsed = Papa.parse(churnCsv(), { header: true, skipEmptyLines: true });
  if (parsed.errors.length) throw new Error(`CSV: ${parsed.errors[0].message} (row ${parsed.errors[0].row})`);
  const { names, cols, y } = encode(parsed.data);
  const N = y.length;
  const positives = y.reduce((a, b) => a + b, 0);
  console.log(`public churn data (MLC++ telecom churn): ${N} customers × ${names.length} features, ${(100 * positives / N).toFixed(1)} % churned`);

  const seeds = [1, 2, 3, 4, 5];
  const results = [];
  for (const seed of seeds) {
    const split = ml.holdoutSplit(y, 0.3, seed);
    const { treeMs, logMs, treeAuc, logAuc } = treesVersusBaseline(ml, cols, y, split, seed);
    results.push({ treeAuc, logAuc });
    console.log(`seed ${seed}: holdout ${split.holdout.length} — AUC trees ${treeAuc.toFixed(3)} (${(treeMs / 1000).toFixed(1)} s), logistic ${logAuc.toFixed(3)} (${(logMs / 1000).toFixed(2)} s), +${(treeAuc - logAuc).toFixed(3)}`);
  }
  const mean = (k) => results.reduce((a, r) => a + r[k], 0) / results.length;
  const worst = Math.min(...results.map((r) => r.treeAuc - r.logAuc));
  console.log(`mean AUC over ${seeds.length} splits: trees ${mean('treeAuc').toFixed(3)}, logistic ${mean('logAuc').toFixed(3)}; smallest margin ${worst.toFixed(3)}`);
  console.log(`target: the trees beat the baseline clearly (every split by ≥ 0.05 AUC) — ${worst >= 0.05 ? 'met' : 'missed'}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
