/**
 * One training run: a stratified holdout split (seeded), the tree ensemble and the logistic baseline fitted
 * on the same training rows, both measured on the same holdout rows. Rows whose label is NaN (outcome not
 * known yet) are left out of training and measurement — they are only scored.
 */
import { type GbdtModel, type GbdtParams, gbdtProbability, gbdtShap, trainGbdt } from './gbdt.js';
import { type LogisticModel, logisticProbability, trainLogistic } from './logistic.js';
import { type CalibrationBin, auc, calibrationTable, liftAt, logLoss } from './metrics.js';
import { holdoutSplit } from './random.js';

export interface TrainOptions {
  seed: number;
  holdoutFraction: number;
  gbdt?: Partial<Omit<GbdtParams, 'seed'>>;
  /** Hears the trees fitted so far (progress only). */
  onTree?: (done: number, of: number) => void;
}

export interface TrainMetrics {
  auc: number;
  baselineAuc: number;
  logLoss: number;
  baselineLogLoss: number;
  liftTop10: number;
  liftTop20: number;
  calibration: CalibrationBin[];
  /** Per feature index, its share of the mean |TreeSHAP contribution| over (up to 2,000) holdout rows. */
  importance: number[];
  trainingRows: number;
  holdoutRows: number;
  positiveRate: number;
  unlabelledRows: number;
}

export interface TrainResult { model: GbdtModel; baseline: LogisticModel; metrics: TrainMetrics }

const pick = (columns: ArrayLike<number>[], rows: number[]) => columns.map((c) => Float64Array.from(rows, (r) => c[r]!));
const rowOf = (columns: ArrayLike<number>[], r: number) => columns.map((c) => c[r]!);

export function trainClassifier(columns: ArrayLike<number>[], labels: ArrayLike<number>, opts: TrainOptions): TrainResult {
  const labelled: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] === 0 || labels[i] === 1) labelled.push(i);
  const y = Float64Array.from(labelled, (r) => labels[r]!);
  const split = holdoutSplit(y, opts.holdoutFraction, opts.seed);
  const trainRows = split.train.map((i) => labelled[i]!);
  const testRows = split.holdout.map((i) => labelled[i]!);
  const trainCols = pick(columns, trainRows);
  const trainY = Float64Array.from(trainRows, (r) => labels[r]!);
  const model = trainGbdt(trainCols, trainY, { ...opts.gbdt, seed: opts.seed }, opts.onTree);
  const baseline = trainLogistic(trainCols, trainY, { positiveWeight: opts.gbdt?.positiveWeight ?? 'balanced' });
  const testY = Float64Array.from(testRows, (r) => labels[r]!);
  const p = Float64Array.from(testRows, (r) => gbdtProbability(model, rowOf(columns, r)));
  const pb = Float64Array.from(testRows, (r) => logisticProbability(baseline, rowOf(columns, r)));
  let pos = 0;
  for (const v of y) pos += v;
  return {
    model,
    baseline,
    metrics: {
      auc: auc(testY, p),
      baselineAuc: auc(testY, pb),
      logLoss: logLoss(testY, p),
      baselineLogLoss: logLoss(testY, pb),
      liftTop10: liftAt(testY, p, 0.1),
      liftTop20: liftAt(testY, p, 0.2),
      calibration: calibrationTable(testY, p),
      importance: shapImportance(model, columns, testRows),
      trainingRows: trainRows.length,
      holdoutRows: testRows.length,
      positiveRate: y.length ? pos / y.length : 0,
      unlabelledRows: labels.length - labelled.length,
    },
  };
}

/** Mean absolute contribution per feature over up to 2,000 rows, normalized to sum 1 (gain-based importance favours many-valued noise). */
export function shapImportance(model: GbdtModel, columns: ArrayLike<number>[], rows: number[]): number[] {
  const step = Math.max(1, Math.ceil(rows.length / 2000));
  const sum = new Array<number>(columns.length).fill(0);
  for (let k = 0; k < rows.length; k += step) {
    gbdtShap(model, rowOf(columns, rows[k]!)).forEach((v, f) => { sum[f]! += Math.abs(v); });
  }
  const total = sum.reduce((a, b) => a + b, 0);
  return sum.map((v) => (total > 0 ? v / total : 0));
}
