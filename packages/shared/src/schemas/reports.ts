/**
 * Reports (`/api/reports`): a saved aggregate query over one object and the objects its relation
 * fields reach — measures, dimensions (date buckets, org-unit levels), a filter in the records filter
 * language, sort, top N, pivot — and the answer of running one.
 */
import { z } from 'zod';
import { Key, Label, LocalizedTextSchema, plainText, withoutNul } from './common.js';
import { FieldSchema } from './metadata.js';

export const REPORT_AGGREGATES = ['count', 'count_distinct', 'sum', 'avg', 'min', 'max', 'ratio', 'feel'] as const;
export const REPORT_BUCKETS = ['day', 'week', 'month', 'quarter', 'year'] as const;
export const REPORT_CHARTS = ['kpi', 'bar', 'column', 'line', 'area', 'pie', 'donut', 'funnel', 'table', 'pivot'] as const;
/** Result cells (rows × columns, totals included) one run may answer. */
export const REPORT_MAX_CELLS = 10_000;

/** A field of the report's object, or a path through relation fields: `customer.owner_id` (at most three hops). */
export const REPORT_FIELD_PATH = /^[a-z][a-z0-9_]{0,62}(\.[a-z][a-z0-9_]{0,62}){0,3}$/;
export const ReportFieldPath = z.string().regex(REPORT_FIELD_PATH);

export const ReportMeasure = z
  .object({
    key: Key,
    label: Label.optional(),
    agg: z.enum(REPORT_AGGREGATES),
    /** The field aggregated (none for a plain `count` of rows). */
    field: ReportFieldPath.optional(),
    /** `ratio`: the keys of two other measures of the report. */
    numerator: Key.optional(),
    denominator: Key.optional(),
    /** `feel`: a FEEL expression over the row's other (not FEEL) measures by key, e.g. `balance / customers`, in exact decimals. */
    expression: z.string().min(1).max(500).optional(),
    /** `feel`: decimals of the result (rounded half up), default 2. */
    scale: z.number().int().min(0).max(10).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.agg === 'feel') {
      if (!m.expression) ctx.addIssue({ code: 'custom', path: ['expression'], message: 'a FEEL measure has an expression' });
      if (m.field || m.numerator || m.denominator) ctx.addIssue({ code: 'custom', path: ['field'], message: 'a FEEL measure computes over the other measures; it has no field' });
      return;
    }
    if (m.expression !== undefined || m.scale !== undefined) ctx.addIssue({ code: 'custom', path: ['expression'], message: 'only a FEEL measure has an expression and a scale' });
    if (m.agg === 'ratio') {
      if (!m.numerator || !m.denominator) ctx.addIssue({ code: 'custom', path: ['numerator'], message: 'a ratio names a numerator and a denominator measure' });
      if (m.field) ctx.addIssue({ code: 'custom', path: ['field'], message: 'a ratio divides two measures; it has no field' });
    } else {
      if (m.numerator || m.denominator) ctx.addIssue({ code: 'custom', path: ['numerator'], message: 'only a ratio has a numerator and a denominator' });
      if (m.agg !== 'count' && !m.field) ctx.addIssue({ code: 'custom', path: ['field'], message: `${m.agg} needs a field` });
    }
  });

export const ReportDimension = z
  .object({
    field: ReportFieldPath,
    /** The column's key in the answer (defaults to the field path). */
    key: z.string().max(300).regex(/^[a-z][a-z0-9_.]{0,299}$/).optional(),
    label: Label.optional(),
    /** Date and date-time fields: group by Beijing-time day, ISO week, month, quarter or year. */
    bucket: z.enum(REPORT_BUCKETS).optional(),
    /** Org-unit fields: group by the ancestor at this depth of the org tree (1 总行, 2 分行, 3 支行, 4 团队). */
    level: z.number().int().min(1).max(8).optional(),
  })
  .strict();

/**
 * A drill hierarchy: its first level is one of the report's dimensions (by key); a drill-down on a level
 * (`drill: [{ field: <level key>, value }]`) shows the next level in its place — branch → sub-branch →
 * team → customer manager → customer, product category → product, year → quarter → month.
 */
export const ReportHierarchy = z
  .object({ key: Key.optional(), label: Label.optional(), levels: z.array(ReportDimension).min(2).max(6) })
  .strict();

/** Pivot layout: dimension keys across rows and across columns; subtotals and totals come with it. */
export const ReportPivot = z.object({ rows: z.array(z.string().max(300)).max(6), columns: z.array(z.string().max(300)).max(6) }).strict();

export const ReportFilter = withoutNul(z.record(z.string().max(300), z.unknown()));

export const ReportDrill = z.array(z.object({ field: z.string().max(300), value: z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]) }).strict()).max(8);

const definitionShape = {
  key: Key,
  name: Label,
  description: plainText().max(2000).optional(),
  object: Key,
  measures: z.array(ReportMeasure).min(1).max(20),
  dimensions: z.array(ReportDimension).max(8).default([]),
  filter: ReportFilter.optional(),
  /** `-aum,segment`: measure or dimension keys, `-` for descending. */
  sort: z.string().max(500).optional(),
  /** Top N: the first N rows in sort order (totals still cover every row). */
  limit: z.number().int().min(1).max(REPORT_MAX_CELLS).optional(),
  pivot: ReportPivot.optional(),
  hierarchies: z.array(ReportHierarchy).max(3).optional(),
  chart: z.object({ type: z.enum(REPORT_CHARTS), options: withoutNul(z.record(z.string().max(100), z.unknown())).optional() }).strict().optional(),
};

export const ReportBody = z.object(definitionShape).strict();
/** Changes to a report (saved as a new version); `null` removes an optional part (filter, sort, top N, pivot, chart). */
export const ReportPatchBody = z
  .object({
    ...definitionShape,
    version: z.number().int().min(1),
    // No default here: a change that does not name the dimensions keeps them.
    dimensions: z.array(ReportDimension).max(8),
    description: definitionShape.description.nullable(),
    filter: definitionShape.filter.nullable(),
    sort: definitionShape.sort.nullable(),
    limit: definitionShape.limit.nullable(),
    pivot: definitionShape.pivot.nullable(),
    hierarchies: definitionShape.hierarchies.nullable(),
    chart: definitionShape.chart.nullable(),
  })
  .omit({ key: true })
  .partial()
  .strict();
/** An unsaved definition (the designer's live preview), with a drill-down to apply. */
export const ReportQueryBody = z
  .object({ ...definitionShape, key: Key.optional(), name: Label.optional(), drill: ReportDrill.optional() })
  .strict();
/** A calendar date `YYYY-MM-DD`. */
export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
  message: 'a calendar date YYYY-MM-DD',
});
/** Inclusive Beijing dates. */
export const ReportPeriod = z.object({ from: IsoDate, to: IsoDate }).strict().refine((p) => p.from <= p.to, { message: 'from must not be after to', path: ['to'] });

export const REPORT_COMPARE = ['previous_period', 'same_period_last_year'] as const;
/**
 * `chart.options.compare` of a `kpi` report: its measures over a period of `field` (`within`, a relative
 * range such as "this month", unless the run names a `period`) against the previous period of the same
 * length or the same period a year earlier.
 */
export const ReportKpiCompare = z
  .object({ field: ReportFieldPath, within: z.string().max(100).default('this month'), against: z.enum(REPORT_COMPARE).default('previous_period') })
  .strict();

export const ReportRunBody = z
  .object({
    filter: ReportFilter.optional(),
    drill: ReportDrill.optional(),
    pivot: ReportPivot.optional(),
    /** A KPI report with `compare`: the period compared (instead of its `within`). */
    period: ReportPeriod.optional(),
  })
  .strict();
/**
 * The records behind one cell of a run's answer: the run's filter and drill-down, and the cell's
 * dimension values (`{ <dimension key>: value }`; the dimensions a subtotal sums over left out);
 * `measure`: a count of a field counts only the records where it is set.
 */
export const ReportCellFilterBody = z
  .object({
    filter: ReportFilter.optional(),
    drill: ReportDrill.optional(),
    cell: z.record(z.string().max(300), z.union([z.string().max(1000), z.number(), z.boolean(), z.null()])).refine((c) => Object.keys(c).length <= 8, { message: 'at most 8 dimensions' }),
    measure: Key.optional(),
  })
  .strict();
/** The records list (`GET /api/records/:object?filter=`) filter that lists exactly the rows behind the cell. */
export const ReportCellFilterSchema = z.strictObject({ object: z.string(), filter: z.record(z.string(), z.unknown()) });

export const ReportExportQuery = z
  .object({ format: z.enum(['csv', 'xlsx']).default('csv'), filter: z.string().max(20000).optional(), drill: z.string().max(20000).optional() })
  .strict();

export const ReportColumnSchema = z.strictObject({
  key: z.string(),
  label: z.string(),
  type: z.string(),
  role: z.enum(['dimension', 'measure']),
  bucket: z.enum(REPORT_BUCKETS).optional(),
  /** Display labels of the values (select choices, users, org units, related records' titles), in the caller's language. */
  labels: z.record(z.string(), z.string()).optional(),
});
export const ReportAnswerSchema = z.strictObject({
  columns: z.array(ReportColumnSchema),
  rows: z.array(z.record(z.string(), z.unknown())),
  /** Subtotal and total rows; `$collapsed` names the dimensions summed over. */
  totals: z.array(z.record(z.string(), z.unknown())).optional(),
  elapsedMs: z.number(),
  source: z.enum(['primary', 'replica']),
  cached: z.boolean(),
  report: z.strictObject({ key: z.string(), version: z.number().int() }).optional(),
  /** Drill hierarchies: the level shown (`current`) after `depth` levels drilled; at the last level a click lists the records. */
  hierarchies: z
    .array(z.strictObject({ key: z.string(), base: z.string(), depth: z.number().int(), current: z.string(), levels: z.array(z.strictObject({ key: z.string(), label: z.string() })) }))
    .optional(),
  /** A `kpi` report with `chart.options.compare`: each measure for the period and the previous one; `change` = (value − previous) / previous as a decimal string (null when previous is 0 or empty). */
  comparison: z
    .strictObject({
      field: z.string(),
      against: z.enum(REPORT_COMPARE),
      period: z.strictObject({ from: z.string(), to: z.string() }),
      previousPeriod: z.strictObject({ from: z.string(), to: z.string() }),
      measures: z.array(z.strictObject({ key: z.string(), value: z.string().nullable(), previous: z.string().nullable(), change: z.string().nullable() })),
    })
    .optional(),
});
export const ReportSchema = ReportBody.extend({ version: z.number().int(), updatedAt: z.string() });
export const ReportSummarySchema = z.strictObject({ key: z.string(), name: Label, object: z.string(), version: z.number().int(), chart: z.unknown().optional(), updatedAt: z.string() });

/**
 * The report sources besides the metadata objects the caller may report on (`GET /api/reports/sources`):
 * campaign members. A report names one as its `object`; its fields are the form engine's fields plus
 * whether each fits as a measure (numeric: sum, avg) and as a dimension. Such a report has no records
 * list behind its cells (`cellRecords: false`).
 */
export const ReportSourcesSchema = z.strictObject({
  items: z.array(
    z.strictObject({
      key: z.string(),
      label: LocalizedTextSchema,
      cellRecords: z.boolean(),
      fields: z.array(FieldSchema.extend({ measure: z.boolean(), dimension: z.boolean() })),
    }),
  ),
});
export type ReportSources = z.infer<typeof ReportSourcesSchema>;
export type ReportSource = ReportSources['items'][number];

export type ReportDefinition = z.infer<typeof ReportBody>;
export type ReportDefinitionInput = z.input<typeof ReportBody>;
export type ReportPatch = z.input<typeof ReportPatchBody>;
export type ReportQuery = z.input<typeof ReportQueryBody>;
export type ReportRun = z.input<typeof ReportRunBody>;
export type ReportCellFilterInput = z.input<typeof ReportCellFilterBody>;
export type ReportCellFilter = z.infer<typeof ReportCellFilterSchema>;
export type ReportColumn = z.infer<typeof ReportColumnSchema>;
export type ReportAnswer = z.infer<typeof ReportAnswerSchema>;
export type Report = z.infer<typeof ReportSchema>;
export type ReportSummary = z.infer<typeof ReportSummarySchema>;
export type ReportKpiComparison = NonNullable<ReportAnswer['comparison']>;
