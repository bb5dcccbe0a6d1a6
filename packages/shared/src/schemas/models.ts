/**
 * Insight models as metadata (`/api/models`, platform right `designer` to design, train and score): a
 * classification model over one object. `label` is FEEL over a record answering true / false / null
 * (null: outcome not known yet — not trained on, still scored); `features` are field keys of the object,
 * names of the model's `aggregates` (counts, sums, averages, minima or maxima over related records, e.g.
 * complaints of the last 90 days) or FEEL over both. Training and scoring are background jobs; scoring
 * writes the probability (a decimal string 0–1) into `scoreField`, an ordinary decimal field.
 */
import { z } from 'zod';
import { Key, Label, plainText } from './common.js';

export const MODEL_AGGREGATE_FUNCTIONS = ['count', 'sum', 'avg', 'min', 'max'] as const;

const Scalar = z.union([z.string().max(200), z.number(), z.boolean()]);

/** An aggregate of records related to the model's object: `via` is the relation field on `object` that points at the model's record. */
export const ModelAggregateSchema = z
  .object({
    key: Key,
    label: Label.optional(),
    object: Key,
    via: Key,
    agg: z.enum(MODEL_AGGREGATE_FUNCTIONS),
    /** The field summed / averaged / … (not for count). */
    field: Key.optional(),
    /** Only related records whose fields equal these values (a list: any of them). */
    where: z.record(Key, z.union([Scalar, z.array(Scalar).min(1).max(50)])).optional(),
    /** Only related records whose `dateField` (default `created_at`) lies in the last `withinDays` days. */
    withinDays: z.number().int().min(1).max(3660).optional(),
    dateField: Key.optional(),
  })
  .strict();
export type ModelAggregate = z.infer<typeof ModelAggregateSchema>;

/** A feature: a field key, an aggregate key or FEEL over both — as a string, or with its Chinese label and a reason phrase (`近90日投诉{value}次`). */
export const ModelFeatureSchema = z.union([
  plainText().min(1).max(1000),
  z.object({
    expression: plainText().min(1).max(1000),
    label: Label.optional(),
    /** How a reason reads on the 360° view; `{value}` is the feature's value. */
    reason: plainText().max(200).optional(),
  }).strict(),
]);
export type ModelFeature = z.infer<typeof ModelFeatureSchema>;

const ModelFields = {
  name: plainText().min(1).max(200),
  kind: z.literal('classification'),
  object: Key,
  label: plainText().min(1).max(2000),
  features: z.array(ModelFeatureSchema).min(1).max(60),
  aggregates: z.array(ModelAggregateSchema).max(30).optional(),
  /** FEEL: only records where it is true are trained on (all are scored). */
  trainFilter: plainText().max(2000).optional(),
  scoreField: Key.optional(),
  /** The seed of the holdout split and of the trees' row sampling: the same data and seed give the same model. */
  seed: z.number().int().min(0).max(2147483647).optional(),
  /** Share of the labelled records held out for the metrics (default 0.2). */
  holdoutFraction: z.number().min(0.05).max(0.5).optional(),
  trees: z.number().int().min(1).max(1000).optional(),
  maxDepth: z.number().int().min(1).max(8).optional(),
  learningRate: z.number().min(0.001).max(1).optional(),
};

export const ModelBody = z.object({ key: Key, ...ModelFields }).strict();
export type ModelDefinitionInput = z.infer<typeof ModelBody>;

export const ModelPatchBody = z
  .object(Object.fromEntries(Object.entries(ModelFields).map(([k, v]) => [k, (v as z.ZodTypeAny).optional()])) as { [K in keyof typeof ModelFields]: z.ZodOptional<(typeof ModelFields)[K]> })
  .extend({ scoreField: Key.nullable().optional(), trainFilter: plainText().max(2000).nullable().optional() })
  .strict();
export type ModelPatch = z.infer<typeof ModelPatchBody>;

export const ModelCalibrationBinSchema = z.object({ bin: z.number().int(), from: z.number(), to: z.number(), count: z.number().int(), meanPredicted: z.number(), observedRate: z.number() }).strict();

const metric = z.number().nullable();
export const ModelMetricsSchema = z
  .object({
    auc: metric,
    baselineAuc: metric,
    logLoss: metric,
    baselineLogLoss: metric,
    liftTop10: metric,
    liftTop20: metric,
    calibration: z.array(ModelCalibrationBinSchema),
    featureImportance: z.array(z.object({ feature: z.string(), label: z.string(), importance: z.number() }).strict()),
    trainingRows: z.number().int(),
    holdoutRows: z.number().int(),
    unlabelledRows: z.number().int(),
    positiveRate: z.number(),
    trainingMs: z.number().int(),
  })
  .strict();
export type ModelMetrics = z.infer<typeof ModelMetricsSchema>;

export const ModelSchema = z
  .object({
    key: z.string(),
    ...ModelFields,
    aggregates: z.array(ModelAggregateSchema),
    trainFilter: z.string().nullable(),
    scoreField: z.string().nullable(),
    seed: z.number().int(),
    holdoutFraction: z.number(),
    trees: z.number().int(),
    maxDepth: z.number().int(),
    learningRate: z.number(),
    status: z.enum(['draft', 'trained']),
    /** The latest trained version (null before the first training). */
    version: z.number().int().nullable(),
    metrics: ModelMetricsSchema.nullable(),
    trainedAt: z.string().nullable(),
    updatedAt: z.string(),
  })
  .strict();
export type Model = z.infer<typeof ModelSchema>;

export const ModelSummarySchema = z
  .object({ key: z.string(), name: z.string(), object: z.string(), status: z.enum(['draft', 'trained']), version: z.number().int().nullable(), auc: metric, scoreField: z.string().nullable(), updatedAt: z.string() })
  .strict();
export type ModelSummary = z.infer<typeof ModelSummarySchema>;

/** A trained version with its metrics (the fitted parts stay on the server). */
export const ModelVersionSchema = z
  .object({ version: z.number().int(), metrics: ModelMetricsSchema, trainedAt: z.string(), trainedBy: z.string().nullable() })
  .strict();
export type ModelVersion = z.infer<typeof ModelVersionSchema>;

export const ModelJobStartedSchema = z.object({ jobId: z.string() }).strict();
export type ModelJobStarted = z.infer<typeof ModelJobStartedSchema>;

/** A feature the viewer may not read: label 「受限字段」, no value, no reason text. */
export const RESTRICTED_FEATURE_LABEL = '受限字段';

export const ModelContributionSchema = z
  .object({
    feature: z.string(),
    label: z.string(),
    value: z.union([z.string(), z.number(), z.boolean()]).nullable(),
    /** On the log-odds scale. */
    contribution: z.number(),
    restricted: z.boolean(),
    /** The reason as a phrase (「近90日投诉2次」), null when restricted or the feature has none. */
    text: z.string().nullable(),
  })
  .strict();

/**
 * `score` is the model's raw margin (log-odds): baseline + Σ contribution = score exactly (TreeSHAP);
 * `probability` = 1 / (1 + e^−score). Contributions are sorted by absolute size.
 */
export const ModelExplanationSchema = z
  .object({
    model: z.string(),
    version: z.number().int(),
    recordId: z.string(),
    scale: z.literal('log-odds'),
    score: z.number(),
    probability: z.number(),
    baseline: z.number(),
    contributions: z.array(ModelContributionSchema),
  })
  .strict();
export type ModelExplanation = z.infer<typeof ModelExplanationSchema>;
