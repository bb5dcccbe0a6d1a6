/**
 * One training run: a stratified holdout split (seeded), the tree ensemble and the logistic baseline fitted
 * on the same training rows, both measured on the same holdout rows. Rows whose label is NaN (outcome not
 * known yet) are left out of training and measurement — they are only scored.
 */
import { type GbdtModel, type GbdtParams, gbdtProbability, trainGbdt } from './gbdt.js';
import { type LogisticModel, logisticProbability, trainLogistic } from './logistic.js';
import { type CalibrationBin, auc, calibrationTable, liftAt, logLoss } from './metrics.js';
import { holdoutSplit } from './random.js';

export interface TrainOptions { seed: number; holdoutFraction: number; gbdt?: Partial<Omit<GbdtParams, 'seed'>> }

export interface TrainMetrics {
  auc: number;
  baselineAuc: number;
  logLoss: number;
  baselineLogLoss: number;
  liftTop10: number;
  liftTop20: number;
  calibration: CalibrationBin[];
  /** Per feature index, share of the total split gain. */
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
  const model = trainGbdt(trainCols, trainY, { ...opts.gbdt, seed: opts.seed });
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
      importance: model.importance,
      trainingRows: trainRows.length,
      holdoutRows: testRows.length,
      positiveRate: y.length ? pos / y.length : 0,
      unlabelledRows: labels.length - labelled.length,
    },
  };
}
