/**
 * The CPU-heavy parts of a model's jobs, run by the model worker (`ml-worker.ts`, a worker thread) so the
 * server's event loop keeps answering meanwhile: a training (encoders, trees, logistic baseline, metrics)
 * and the per-record part of a scoring batch (FEEL features, encoding, the trees). Pure functions of their
 * input: the same data and seed give the same model wherever they run.
 */
import { compileFeel } from '@crm/feel';
import { encode, featureRow, fitEncoders, type Encoder, type EvaluatedFeature } from './feature-eval.js';
import { type GbdtModel, type TrainOptions, type TrainResult, gbdtExpectedMargin, gbdtProbability, trainClassifier } from './ml/index.js';

/** A feature as the worker gets it: a field or aggregate name, or a FEEL expression (compiled there). */
export interface FeatureSource { source: string; expression: string | null }

export type MlTask =
  | { op: 'train'; raw: unknown[][]; labels: Float64Array; featureCount: number; asOf: number; options: Omit<TrainOptions, 'onTree'> }
  | { op: 'score'; key: string; features: FeatureSource[]; encoders: Encoder[]; model: GbdtModel; rows: Record<string, unknown>[]; asOf: number };

export type MlTrained = TrainResult & { encoders: Encoder[]; expectedMargin: number };
export interface MlScored { probabilities: Float64Array }

/** Compiled features per model version: compiled once, and their FEEL memo (feature-eval.ts) lives as long. */
const compiled = new Map<string, EvaluatedFeature[]>();

function featuresOf(key: string, sources: FeatureSource[]): EvaluatedFeature[] {
  let f = compiled.get(key);
  if (!f) {
    if (compiled.size >= 16) compiled.clear();
    f = sources.map((s) => ({ source: s.source, feel: s.expression === null ? null : compileFeel(s.expression) }));
    compiled.set(key, f);
  }
  return f;
}

export function runMlTask(task: MlTask, onTree: (done: number, of: number) => void): MlTrained | MlScored {
  const asOf = new Date(task.asOf);
  if (task.op === 'train') {
    const encoders = fitEncoders(task.raw, task.labels, task.featureCount);
    const columns = encoders.map((e, j) => Float64Array.from(task.raw, (r) => encode([e], [r[j]], asOf)[0]!));
    const trained = trainClassifier(columns, task.labels, { ...task.options, onTree });
    return { ...trained, encoders, expectedMargin: gbdtExpectedMargin(trained.model) };
  }
  const features = featuresOf(task.key, task.features);
  const probabilities = new Float64Array(task.rows.length);
  task.rows.forEach((ctx, i) => { probabilities[i] = gbdtProbability(task.model, encode(task.encoders, featureRow(features, ctx), asOf)); });
  return { probabilities };
}
