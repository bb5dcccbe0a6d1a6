/**
 * The CPU-heavy parts of a model's jobs, run by the model worker (`ml-worker.ts`, a worker thread) so the
 * server's event loop keeps answering meanwhile: a training (encoders, trees, logistic baseline, metrics)
 * and the per-record part of a scoring batch (FEEL features, encoding, the trees). Pure functions of their
 * input: the same data and seed give the same model wherever they run.
 */
import { compileFeel } from '@crm/feel';
import { encode, featureRow, fitEncoders, labelValue, type Encoder, type EvaluatedFeature } from './feature-eval.js';
import { type GbdtModel, type TrainOptions, type TrainResult, gbdtExpectedMargin, gbdtProbability, trainClassifier } from './ml/index.js';

/** A feature as the worker gets it: a field or aggregate name, or a FEEL expression (compiled there). */
export interface FeatureSource { source: string; expression: string | null }

/**
 * A training's rows stay in the worker: `rows` evaluates a page's label and features there and keeps
 * them under the training's `session` (the job id); `train` fits on what the session holds and drops it.
 */
export type MlTask =
  | { op: 'rows'; session: string; key: string; features: FeatureSource[]; label: string; trainFilter: string | null; rows: Record<string, unknown>[] }
  | { op: 'train'; session: string; featureCount: number; asOf: number; options: Omit<TrainOptions, 'onTree'> }
  | { op: 'score'; key: string; features: FeatureSource[]; encoders: Encoder[]; model: GbdtModel; rows: Record<string, unknown>[]; asOf: number };

export type MlTrained = TrainResult & { encoders: Encoder[]; expectedMargin: number };
export interface MlScored { probabilities: Float64Array }
export interface MlRows { rows: number; positives: number; negatives: number }

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

/** The rows of the trainings under way (at most one at a time in practice: the newest session wins). */
const sessions = new Map<string, { raw: unknown[][]; labels: number[] }>();

export function runMlTask(task: MlTask, onTree: (done: number, of: number) => void): MlTrained | MlScored | MlRows {
  if (task.op === 'rows') {
    let s = sessions.get(task.session);
    if (!s) { sessions.clear(); sessions.set(task.session, (s = { raw: [], labels: [] })); }
    const features = featuresOf(task.key, task.features);
    const label = compileFeel(task.label);
    const filter = task.trainFilter === null ? null : compileFeel(task.trainFilter);
    let positives = 0;
    let negatives = 0;
    for (const ctx of task.rows) {
      const y = labelValue(label, filter, ctx);
      if (y === 1) positives++; else if (y === 0) negatives++;
      s.labels.push(y);
      s.raw.push(featureRow(features, ctx));
    }
    return { rows: s.labels.length, positives, negatives };
  }
  const asOf = new Date(task.asOf);
  if (task.op === 'train') {
    const s = sessions.get(task.session);
    sessions.delete(task.session);
    if (!s) throw new Error('the training rows are gone (the model worker restarted)');
    const labels = Float64Array.from(s.labels);
    const encoders = fitEncoders(s.raw, labels, task.featureCount);
    const columns = encoders.map((e, j) => Float64Array.from(s.raw, (r) => encode([e], [r[j]], asOf)[0]!));
    const trained = trainClassifier(columns, labels, { ...task.options, onTree });
    return { ...trained, encoders, expectedMargin: gbdtExpectedMargin(trained.model) };
  }
  const features = featuresOf(task.key, task.features);
  const probabilities = new Float64Array(task.rows.length);
  task.rows.forEach((ctx, i) => { probabilities[i] = gbdtProbability(task.model, encode(task.encoders, featureRow(features, ctx), asOf)); });
  return { probabilities };
}
