/** The insight algorithms against known results: closed forms, brute-force Shapley values, a non-linear dataset. */
import { describe, expect, it } from '@jest/globals';
import {
  type GbdtModel, type Tree, auc, calibrationTable, gbdtExpectedMargin, gbdtMargin, gbdtShap, holdoutSplit,
  liftAt, logLoss, logisticContributions, logisticExpectedMargin, logisticMargin, seededRandom, trainClassifier,
  trainGbdt, trainLogistic,
} from './index.js';

/** n rows of F uniform features in [0,1) from a seed; NaN with probability `missing`. */
function table(n: number, F: number, seed: number, missing = 0): Float64Array[] {
  const r = seededRandom(seed);
  return Array.from({ length: F }, () => Float64Array.from({ length: n }, () => (r() < missing ? Number.NaN : r())));
}
const row = (cols: ArrayLike<number>[], i: number) => cols.map((c) => c[i]!);

describe('metrics', () => {
  it('AUC of a known ranking is the share of correctly ordered pairs, ties half', () => {
    expect(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    expect(auc([0, 1], [0.5, 0.5])).toBeCloseTo(0.5, 12);
    expect(auc([1, 1, 0], [0.9, 0.8, 0.1])).toBe(1);
    expect(auc([1, 0, 0], [0.1, 0.8, 0.9])).toBe(0);
    expect(Number.isNaN(auc([1, 1], [0.2, 0.3]))).toBe(true);
  });

  it('log loss, lift and calibration on hand-computed cases', () => {
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
    // 10 rows, 2 positives both in the top 2: top 20 % has rate 1 against 0.2 overall → lift 5
    const y = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    const p = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
    expect(liftAt(y, p, 0.2)).toBeCloseTo(5, 12);
    expect(liftAt(y, p, 0.1)).toBeCloseTo(5, 12);
    expect(liftAt(y, [...p].reverse(), 0.2)).toBe(0);
    const cal = calibrationTable(y, p);
    expect(cal.reduce((s, b) => s + b.count, 0)).toBe(10);
    const top = cal.find((b) => b.bin === 9)!;
    expect(top).toMatchObject({ count: 1, observedRate: 1 });
    expect(top.meanPredicted).toBeCloseTo(0.9, 12);
  });

  it('the holdout split is stratified, disjoint and seeded', () => {
    const labels = Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const a = holdoutSplit(labels, 0.2, 7);
    expect(a.holdout.length + a.train.length).toBe(1000);
    expect(new Set([...a.holdout, ...a.train]).size).toBe(1000);
    expect(a.holdout.filter((i) => labels[i] === 1)).toHaveLength(20);
    expect(holdoutSplit(labels, 0.2, 7)).toEqual(a);
    expect(holdoutSplit(labels, 0.2, 8).holdout).not.toEqual(a.holdout);
  });
});

describe('logistic regression', () => {
  it('one binary feature: the MLE is intercept = logit(p₀), slope = logit(p₁) − logit(p₀)', () => {
    // x = 0: 2 positives of 8; x = 1: 6 positives of 8
    const x = [...new Array(8).fill(0), ...new Array(8).fill(1)];
    const y = [1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0];
    const m = trainLogistic([x], y, { l2: 0, positiveWeight: 1 });
    const logit = (p: number) => Math.log(p / (1 - p));
    expect(m.intercept).toBeCloseTo(logit(2 / 8), 8);
    expect(m.coefficients[0]).toBeCloseTo(logit(6 / 8) - logit(2 / 8), 8);
  });

  it('balanced class weights leave the probabilities calibrated (prior shift removed)', () => {
    const x = [...new Array(10).fill(0), ...new Array(10).fill(1)];
    const y = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
    const m = trainLogistic([x], y, { l2: 0 });
    expect(1 / (1 + Math.exp(-logisticMargin(m, [0])))).toBeCloseTo(0.1, 6);
    expect(1 / (1 + Math.exp(-logisticMargin(m, [1])))).toBeCloseTo(0.3, 6);
  });

  it('contributions β·(x − mean) add up with the baseline to the margin; missing contributes nothing', () => {
    const cols = table(400, 3, 3);
    const y = Array.from({ length: 400 }, (_, i) => (cols[0]![i]! + 0.5 * cols[1]![i]! > 0.8 ? 1 : 0));
    const m = trainLogistic(cols, y);
    for (const x of [row(cols, 5), row(cols, 77), [Number.NaN, 0.3, 0.9]]) {
      const c = logisticContributions(m, x);
      expect(logisticExpectedMargin(m) + c.reduce((a, b) => a + b, 0)).toBeCloseTo(logisticMargin(m, x), 10);
    }
    expect(logisticContributions(m, [Number.NaN, 0.3, 0.9])[0]).toBe(0);
  });
});

/** Path-dependent conditional expectation E[f(x) | x_S] (TreeSHAP paper, Algorithm 1) — exponential, for checking. */
function expValue(t: Tree, x: number[], S: Set<number>, node = 0): number {
  if (t.feature[node]! < 0) return t.value[node]!;
  const f = t.feature[node]!;
  if (S.has(f)) {
    const v = x[f]!;
    const left = Number.isNaN(v) ? t.defaultLeft[node]! : v <= t.threshold[node]!;
    return expValue(t, x, S, left ? t.left[node]! : t.right[node]!);
  }
  const l = t.left[node]!; const r = t.right[node]!;
  return (t.cover[l]! * expValue(t, x, S, l) + t.cover[r]! * expValue(t, x, S, r)) / t.cover[node]!;
}

/** Exact Shapley values by enumerating every coalition. */
function bruteShap(model: GbdtModel, x: number[]): number[] {
  const F = model.featureCount;
  const fact = (k: number): number => (k <= 1 ? 1 : k * fact(k - 1));
  const v = (S: Set<number>) => model.trees.reduce((s, t) => s + expValue(t, x, S), 0);
  return Array.from({ length: F }, (_, i) => {
    let phi = 0;
    for (let mask = 0; mask < 1 << F; mask++) {
      if (mask & (1 << i)) continue;
      const S = new Set<number>();
      for (let j = 0; j < F; j++) if (mask & (1 << j)) S.add(j);
      const w = (fact(S.size) * fact(F - S.size - 1)) / fact(F);
      const withI = new Set(S); withI.add(i);
      phi += w * (v(withI) - v(S));
    }
    return phi;
  });
}

describe('gradient-boosted trees', () => {
  const n = 2000;
  const cols = table(n, 4, 11, 0.1);
  // non-linear with an interaction, and missingness of feature 3 is itself a signal
  const y = Array.from({ length: n }, (_, i) => {
    const a = cols[0]![i]!; const b = cols[1]![i]!; const d = cols[3]![i]!;
    const s = (a > 0.5 !== b > 0.5 ? 1.5 : -1.5) + (Number.isNaN(d) ? 1.5 : 0) + (Number.isNaN(a) ? 0 : 0);
    return seededRandom(i + 1)() < 1 / (1 + Math.exp(-s)) ? 1 : 0;
  });
  const model = trainGbdt(cols, y, { trees: 30, maxDepth: 3, seed: 5 });

  it('TreeSHAP contributions plus the baseline equal the raw margin, row by row', () => {
    const base = gbdtExpectedMargin(model);
    for (const i of [0, 1, 17, 333, 1999]) {
      const x = row(cols, i);
      const phi = gbdtShap(model, x);
      expect(base + phi.reduce((a, b) => a + b, 0)).toBeCloseTo(gbdtMargin(model, x), 9);
    }
  });

  it('TreeSHAP equals Shapley values computed by enumerating every coalition', () => {
    for (const i of [3, 42, 1234]) {
      const x = row(cols, i);
      const fast = gbdtShap(model, x);
      const slow = bruteShap(model, x);
      fast.forEach((v, f) => expect(v).toBeCloseTo(slow[f]!, 9));
    }
    // a missing value is explained too
    const x = [Number.NaN, 0.7, 0.2, Number.NaN];
    gbdtShap(model, x).forEach((v, f) => expect(v).toBeCloseTo(bruteShap(model, x)[f]!, 9));
  });

  it('routes missing values by a learned default direction: missing feature 3 raises the margin', () => {
    const withValue = gbdtShap(model, [0.2, 0.2, 0.5, 0.5])[3]!;
    const missing = gbdtShap(model, [0.2, 0.2, 0.5, Number.NaN])[3]!;
    expect(missing).toBeGreaterThan(withValue + 0.5);
  });

  it('the same seed gives the same model; another seed another one', () => {
    const again = trainGbdt(cols, y, { trees: 30, maxDepth: 3, seed: 5 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(model));
    const other = trainGbdt(cols, y, { trees: 30, maxDepth: 3, seed: 6 });
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(model));
  });

  it('feature importance finds the signal, not the noise feature', () => {
    expect(model.importance.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(model.importance[2]!).toBeLessThan(Math.min(model.importance[0]!, model.importance[1]!));
  });
});

describe('one training run', () => {
  it('on an XOR-like dataset the trees beat the logistic baseline clearly', () => {
    const n = 3000;
    const cols = table(n, 5, 21);
    const y = Float64Array.from({ length: n }, (_, i) => ((cols[0]![i]! > 0.5) !== (cols[1]![i]! > 0.5) ? 1 : 0));
    // flip 5 % of labels so it is not perfectly separable
    const r = seededRandom(99);
    for (let i = 0; i < n; i++) if (r() < 0.05) y[i] = 1 - y[i]!;
    const { metrics } = trainClassifier(cols, y, { seed: 1, holdoutFraction: 0.25 });
    expect(metrics.auc).toBeGreaterThan(0.85);
    expect(metrics.baselineAuc).toBeLessThan(0.6);
    expect(metrics.holdoutRows).toBe(750);
    expect(metrics.liftTop10).toBeGreaterThan(1.5);
  });

  it('rows with an unknown label (NaN) are neither trained on nor measured', () => {
    const n = 1000;
    const cols = table(n, 2, 31);
    const labels = Float64Array.from({ length: n }, (_, i) => (cols[0]![i]! > 0.5 ? 1 : 0));
    for (let i = 0; i < n; i += 4) labels[i] = Number.NaN;
    const { metrics } = trainClassifier(cols, labels, { seed: 3, holdoutFraction: 0.2 });
    expect(metrics.unlabelledRows).toBe(250);
    expect(metrics.trainingRows + metrics.holdoutRows).toBe(750);
    expect(() => trainGbdt([[1, 2, 3]], [1, 1, 1])).toThrow();
  });

  it('with heavy class imbalance the probabilities stay near the true rate', () => {
    const n = 5000;
    const cols = table(n, 2, 41);
    const y = Float64Array.from({ length: n }, (_, i) => (seededRandom(i + 7)() < (cols[0]![i]! > 0.8 ? 0.2 : 0.02) ? 1 : 0));
    const { model, metrics } = trainClassifier(cols, y, { seed: 2, holdoutFraction: 0.2 });
    const pHigh = 1 / (1 + Math.exp(-gbdtMargin(model, [0.9, 0.5])));
    const pLow = 1 / (1 + Math.exp(-gbdtMargin(model, [0.3, 0.5])));
    expect(pHigh).toBeGreaterThan(0.1);
    expect(pHigh).toBeLessThan(0.35);
    expect(pLow).toBeLessThan(0.06);
    expect(metrics.auc).toBeGreaterThan(0.7);
  });
});
