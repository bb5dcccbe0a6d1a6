#!/usr/bin/env node
// Insight models bench, in one run: the gradient-boosted trees and the logistic baseline trained on the
// same 100,000 synthetic customers × 30 features (a churn-like signal with thresholds, interactions and
// missing values, about 20 % positives), measured on the same holdout: training time and AUC of each, and the
// ratio. Then in-memory scoring (rows per second over 1,000,000 rows) and exact TreeSHAP explanations
// per second. Not a test: figures vary with the machine; the comparison is made in the same run.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The trees and the logistic baseline fitted on the split's training rows and measured on its holdout:
 * training times (ms) and holdout AUC of each.
 */
export function treesVersusBaseline(ml, cols, y, split, seed) {
  const trainCols = cols.map((c) => Float64Array.from(split.train, (i) => c[i]));
  const trainY = Float64Array.from(split.train, (i) => y[i]);
  const testY = Float64Array.from(split.holdout, (i) => y[i]);
  const row = (i) => cols.map((c) => c[i]);
  let t = performance.now();
  const trees = ml.trainGbdt(trainCols, trainY, { seed });
  const treeMs = performance.now() - t;
  t = performance.now();
  const logistic = ml.trainLogistic(trainCols, trainY);
  const logMs = performance.now() - t;
  const treeAuc = ml.auc(testY, split.holdout.map((i) => ml.gbdtProbability(trees, row(i))));
  const logAuc = ml.auc(testY, split.holdout.map((i) => ml.logisticProbability(logistic, row(i))));
  return { trees, treeMs, logMs, treeAuc, logAuc };
}

/** `pnpm bench models` (bench/run.mjs calls run()). */
export async function run() {
  const ml = await import(pathToFileURL(path.join(repo, 'apps/server/dist/insight/ml/index.js')).href);
  const N = Number(process.env.BENCH_ROWS ?? 100_000);
  const F = 30;
  const SCORE_ROWS = Number(process.env.BENCH_SCORE_ROWS ?? 1_000_000);
  const r = ml.seededRandom(2026);
  const cols = Array.from({ length: F }, () => new Float64Array(N));
  const y = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    for (let f = 0; f < F; f++) cols[f][i] = f < 10 ? Math.floor(r() * 6) : r() * 100;
    if (r() < 0.05) cols[12][i] = Number.NaN; // missing values
    const complaints = cols[0][i];
    const age = cols[10][i];
    const tenure = cols[11][i];
    const mass = cols[1][i] < 3;
    const z = -3.2 + (mass && complaints >= 3 ? 2.2 : 0) + (age < 15 || age > 85 ? 1.6 : 0) + (tenure < 10 ? 1.0 : 0)
      + (Number.isNaN(cols[12][i]) ? 0.8 : 0) + 0.01 * cols[13][i] - (cols[2][i] >= 4 ? 0.8 : 0);
    y[i] = r() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  const positives = y.reduce((a, b) => a + b, 0);
  console.log(`dataset: ${N} rows × ${F} features, ${(100 * positives / N).toFixed(1)} % positive, 5 % missing in one feature`);

  const split = ml.holdoutSplit(y, 0.2, 7);
  const row = (i) => cols.map((c) => c[i]);
  const { trees, treeMs, logMs, treeAuc, logAuc } = treesVersusBaseline(ml, cols, y, split, 7);
  console.log(`training (${split.train.length} rows): trees ${(treeMs / 1000).toFixed(1)} s, logistic baseline ${(logMs / 1000).toFixed(1)} s (ratio ${(treeMs / logMs).toFixed(1)}×)`);
  console.log(`holdout AUC (${split.holdout.length} rows): trees ${treeAuc.toFixed(3)}, logistic ${logAuc.toFixed(3)} (+${(treeAuc - logAuc).toFixed(3)})`);
  console.log(`target: train 100k × 30 in under 60 s — ${treeMs < 60_000 ? 'met' : 'missed'}; trees beat the baseline — ${treeAuc > logAuc + 0.01 ? 'met' : 'missed'}`);

  const x = new Float64Array(F);
  let t = performance.now();
  let s = 0;
  for (let k = 0; k < SCORE_ROWS; k++) {
    const i = k % N;
    for (let f = 0; f < F; f++) x[f] = cols[f][i];
    s += ml.gbdtProbability(trees, x);
  }
  const scoreMs = performance.now() - t;
  console.log(`scoring in memory: ${SCORE_ROWS} rows in ${(scoreMs / 1000).toFixed(1)} s = ${Math.round(SCORE_ROWS / (scoreMs / 1000))} rows/s (checksum ${s.toFixed(2)})`);
  const EXPLAIN = 2000;
  t = performance.now();
  for (let k = 0; k < EXPLAIN; k++) ml.gbdtShap(trees, row(k));
  const shapMs = performance.now() - t;
  console.log(`TreeSHAP explanations: ${Math.round(EXPLAIN / (shapMs / 1000))} per second (${(shapMs / EXPLAIN).toFixed(2)} ms each)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
