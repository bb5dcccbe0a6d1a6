/**
 * Logistic regression, the baseline: Newton–Raphson (IRLS) on standardized features with a small L2
 * penalty (not on the intercept) and the same positive-class weight as the trees; a missing value is
 * imputed with the training mean, so it contributes nothing. Coefficients are reported on the original
 * scale, and the prior shift of the class weight is taken out of the intercept.
 * The margin is intercept + Σ β·x; the exact per-feature contribution is β·(x − mean) against the
 * baseline intercept + Σ β·mean.
 */
import { sigmoid } from './random.js';

export interface LogisticModel {
  type: 'logistic';
  intercept: number;
  coefficients: number[];
  means: number[];
}

export interface LogisticParams { l2: number; iterations: number; positiveWeight: number | 'balanced' }

/** Solves A·x = b (A symmetric positive definite) by Gaussian elimination with partial pivoting. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[piv]![c]!)) piv = r;
    [M[c], M[piv]] = [M[piv]!, M[c]!];
    const d = M[c]![c]!;
    if (Math.abs(d) < 1e-300) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const k = M[r]![c]! / d;
      if (k === 0) continue;
      for (let q = c; q <= n; q++) M[r]![q]! -= k * M[c]![q]!;
    }
  }
  return M.map((row, i) => (Math.abs(row[i]!) < 1e-300 ? 0 : row[n]! / row[i]!));
}

export function trainLogistic(columns: ArrayLike<number>[], y: ArrayLike<number>, params: Partial<LogisticParams> = {}): LogisticModel {
  const { l2 = 1e-4, iterations = 50, positiveWeight = 'balanced' } = params;
  const n = y.length;
  const F = columns.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i]!;
  if (pos === 0 || pos === n) throw new Error('both classes are needed to train');
  const wPos = positiveWeight === 'balanced' ? (n - pos) / pos : positiveWeight;
  const means: number[] = [];
  const sds: number[] = [];
  for (const c of columns) {
    let s = 0; let k = 0;
    for (let i = 0; i < n; i++) if (!Number.isNaN(c[i]!)) { s += c[i]!; k++; }
    const mean = k ? s / k : 0;
    let v = 0;
    for (let i = 0; i < n; i++) if (!Number.isNaN(c[i]!)) v += (c[i]! - mean) ** 2;
    means.push(mean);
    sds.push(k > 1 && v > 0 ? Math.sqrt(v / k) : 1);
  }
  // standardized design, column 0 = intercept
  const Z = columns.map((c, f) => Float64Array.from({ length: n }, (_, i) => (Number.isNaN(c[i]!) ? 0 : (c[i]! - means[f]!) / sds[f]!)));
  const beta = new Array<number>(F + 1).fill(0);
  const zi = (f: number, i: number) => (f === 0 ? 1 : Z[f - 1]![i]!);
  for (let it = 0; it < iterations; it++) {
    const grad = new Array<number>(F + 1).fill(0);
    const H = Array.from({ length: F + 1 }, () => new Array<number>(F + 1).fill(0));
    for (let i = 0; i < n; i++) {
      let eta = beta[0]!;
      for (let f = 0; f < F; f++) eta += beta[f + 1]! * Z[f]![i]!;
      const p = sigmoid(eta);
      const wi = y[i] === 1 ? wPos : 1;
      const r = (y[i]! - p) * wi;
      const hw = p * (1 - p) * wi;
      for (let a = 0; a <= F; a++) {
        const za = zi(a, i);
        grad[a]! += r * za;
        for (let b = a; b <= F; b++) H[a]![b]! += hw * za * zi(b, i);
      }
    }
    for (let a = 0; a <= F; a++) {
      for (let b = 0; b < a; b++) H[a]![b] = H[b]![a]!;
      if (a > 0) { grad[a]! -= l2 * n * beta[a]!; H[a]![a]! += l2 * n; }
    }
    const step = solve(H, grad);
    let maxStep = 0;
    for (let a = 0; a <= F; a++) { beta[a]! += step[a]!; maxStep = Math.max(maxStep, Math.abs(step[a]!)); }
    if (maxStep < 1e-10) break;
  }
  const coefficients = sds.map((s, f) => beta[f + 1]! / s);
  const intercept = beta[0]! - coefficients.reduce((acc, b, f) => acc + b * means[f]!, 0) - Math.log(wPos);
  return { type: 'logistic', intercept, coefficients, means };
}

export function logisticMargin(model: LogisticModel, x: ArrayLike<number>): number {
  let s = model.intercept;
  model.coefficients.forEach((b, f) => { const v = x[f]!; s += b * (Number.isNaN(v) ? model.means[f]! : v); });
  return s;
}

export const logisticProbability = (model: LogisticModel, x: ArrayLike<number>): number => sigmoid(logisticMargin(model, x));

export function logisticExpectedMargin(model: LogisticModel): number {
  return model.coefficients.reduce((s, b, f) => s + b * model.means[f]!, model.intercept);
}

/** β·(x − mean) per feature; with `logisticExpectedMargin` they add up to the margin. */
export function logisticContributions(model: LogisticModel, x: ArrayLike<number>): number[] {
  return model.coefficients.map((b, f) => (Number.isNaN(x[f]!) ? 0 : b * (x[f]! - model.means[f]!)));
}
