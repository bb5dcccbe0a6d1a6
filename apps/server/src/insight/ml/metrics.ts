/** Metrics of a binary classifier: y is 0/1, p the predicted probability of 1. */

/** Area under the ROC curve by ranks (Mann–Whitney U), ties counted half. NaN when one class is absent. */
export function auc(y: ArrayLike<number>, p: ArrayLike<number>): number {
  const n = y.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a]! - p[b]!);
  let pos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && p[idx[j + 1]!] === p[idx[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (y[idx[k]!] === 1) { pos++; rankSumPos += avgRank; }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean log loss, probabilities clipped to [1e-15, 1 − 1e-15]. */
export function logLoss(y: ArrayLike<number>, p: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i]!));
    s -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return y.length ? s / y.length : Number.NaN;
}

/**
 * Lift in the top `fraction` of rows by score: the positive rate there over the overall positive rate.
 * Rows tied at the cut are all taken in score order (stable by index), so the top slice has exactly ⌈n·fraction⌉ rows.
 */
export function liftAt(y: ArrayLike<number>, p: ArrayLike<number>, fraction: number): number {
  const n = y.length;
  if (!n) return Number.NaN;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
  const k = Math.max(1, Math.ceil(n * fraction));
  let top = 0;
  let all = 0;
  for (let i = 0; i < n; i++) { if (y[idx[i]!] === 1) { all++; if (i < k) top++; } }
  if (!all) return Number.NaN;
  return top / k / (all / n);
}

export interface CalibrationBin { bin: number; from: number; to: number; count: number; meanPredicted: number; observedRate: number }

/** A calibration table over `bins` equal-width probability bins; empty bins are left out. */
export function calibrationTable(y: ArrayLike<number>, p: ArrayLike<number>, bins = 10): CalibrationBin[] {
  const count = new Array<number>(bins).fill(0);
  const sumP = new Array<number>(bins).fill(0);
  const sumY = new Array<number>(bins).fill(0);
  for (let i = 0; i < y.length; i++) {
    const b = Math.min(bins - 1, Math.floor(p[i]! * bins));
    count[b]!++; sumP[b]! += p[i]!; sumY[b]! += y[i]!;
  }
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (!count[b]) continue;
    out.push({ bin: b, from: b / bins, to: (b + 1) / bins, count: count[b]!, meanPredicted: sumP[b]! / count[b]!, observedRate: sumY[b]! / count[b]! });
  }
  return out;
}
