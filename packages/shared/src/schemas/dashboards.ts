/**
 * Dashboards (`/api/dashboards`): saved reports laid out on a 12-column grid, shared with roles, with
 * dashboard-level filters (a date range, an org unit, an owner, a product) that each map to a report
 * field per widget, and a run that answers every widget through the report engine in the caller's row
 * scope (a widget whose report the caller may not read answers `{ restricted: true }` alone).
 */
import { z } from 'zod';
import { Key, Label, plainText } from './common.js';
import { IsoDate, REPORT_CHARTS, ReportAnswerSchema, ReportFieldPath } from './reports.js';

/** Columns of the dashboard grid. */
export const DASHBOARD_GRID_COLUMNS = 12;
/** Rows a widget may start at (y) and span (h), in grid units. */
export const DASHBOARD_GRID_MAX_ROWS = 200;
export const DASHBOARD_MAX_HEIGHT = 24;
export const DASHBOARD_MAX_WIDGETS = 24;
export const DASHBOARD_MAX_FILTERS = 8;
/**
 * Dashboard filter kinds: `date_range` (a date or date-time field), `org_unit` (an org-unit field; the
 * unit and every unit under it), `owner` (a user field; `$me` is the caller), `product` (any field
 * compared for equality, one value or several).
 */
export const DASHBOARD_FILTER_KINDS = ['date_range', 'org_unit', 'owner', 'product'] as const;

/** A widget's id: unique within its dashboard. */
export const DASHBOARD_WIDGET_ID = /^[a-z0-9][a-z0-9_-]{0,39}$/;
export const DashboardWidgetId = z.string().regex(DASHBOARD_WIDGET_ID);

/** A widget's place on the grid: `x + w` at most 12. */
export const DashboardLayout = z
  .object({
    x: z.number().int().min(0).max(DASHBOARD_GRID_COLUMNS - 1),
    y: z.number().int().min(0).max(DASHBOARD_GRID_MAX_ROWS),
    w: z.number().int().min(1).max(DASHBOARD_GRID_COLUMNS),
    h: z.number().int().min(1).max(DASHBOARD_MAX_HEIGHT),
  })
  .strict()
  .refine((l) => l.x + l.w <= DASHBOARD_GRID_COLUMNS, { message: `x + w must be at most ${DASHBOARD_GRID_COLUMNS}`, path: ['w'] });

export const DashboardWidget = z
  .object({
    id: DashboardWidgetId,
    /** The key of a saved report. */
    report: Key,
    /** Shown instead of the report's name. */
    title: Label.optional(),
    /** Shown instead of the report's chart type. */
    chartType: z.enum(REPORT_CHARTS).optional(),
    layout: DashboardLayout,
  })
  .strict();

/**
 * A dashboard filter. It applies to a widget when the widget's report object has the mapped field:
 * `widgets[widgetId]` when given (`null`: never to that widget), `field` otherwise (a field key or a
 * relation path such as `customer.branch`). A widget whose report lacks the field is left unfiltered.
 */
export const DashboardFilter = z
  .object({
    key: Key,
    kind: z.enum(DASHBOARD_FILTER_KINDS),
    label: Label.optional(),
    field: ReportFieldPath.optional(),
    widgets: z.record(z.string().regex(DASHBOARD_WIDGET_ID), ReportFieldPath.nullable()).optional(),
  })
  .strict()
  .refine((f) => f.field !== undefined || (f.widgets !== undefined && Object.keys(f.widgets).length > 0), {
    message: 'a filter names a field, or a field per widget',
    path: ['field'],
  });

const definitionShape = {
  key: Key,
  name: Label,
  description: plainText().max(2000).optional(),
  /** Role keys it is shared with; empty: designers only. */
  roles: z.array(Key).max(50).default([]),
  /** Place on the workbench (工作台顺序): lower first; without one, after those that have one (then by key). */
  order: z.number().int().min(0).max(999).optional(),
  filters: z.array(DashboardFilter).max(DASHBOARD_MAX_FILTERS).default([]),
  widgets: z.array(DashboardWidget).max(DASHBOARD_MAX_WIDGETS),
};

export const DashboardBody = z.object(definitionShape).strict();
/** Changes to a dashboard; `version`, when sent, must be the current one (409 otherwise). `description: null` removes it. */
export const DashboardPatchBody = z
  .object({
    ...definitionShape,
    version: z.number().int().min(1),
    roles: z.array(Key).max(50),
    filters: z.array(DashboardFilter).max(DASHBOARD_MAX_FILTERS),
    description: definitionShape.description.nullable(),
    order: definitionShape.order.nullable(),
  })
  .omit({ key: true })
  .partial()
  .strict();

export const DashboardListQuery = z
  .object({
    /** `1`: only dashboards shared with one of the caller's roles (the workbench), designers included. */
    mine: z.enum(['0', '1']).optional(),
  })
  .strict();

/** A date range value: `from` and `to` are inclusive Beijing dates; or a relative range (`within`: "last 12 months", "this quarter"…). */
export const DashboardDateRange = z
  .object({ from: IsoDate.optional(), to: IsoDate.optional(), within: z.string().max(100).optional() })
  .strict()
  .refine((r) => (r.within !== undefined) !== (r.from !== undefined || r.to !== undefined), { message: 'either from/to or within' });

/**
 * A value of a dashboard filter: a date range (`date_range`), an org unit id (`org_unit`), a user id or
 * `$me` (`owner`), one value or several (`product`). `null` or absent: the filter is off.
 */
export const DashboardFilterValue = z.union([
  DashboardDateRange,
  z.string().min(1).max(200),
  z.array(z.string().min(1).max(200)).min(1).max(50),
  z.null(),
]);

/**
 * A value picked in one widget's chart (a dimension value of its answer) that filters every OTHER widget
 * whose report has the same field (with the same date bucket, or none).
 */
export const DashboardCrossFilter = z
  .object({
    widget: DashboardWidgetId,
    /** A dimension key of the widget's report answer. */
    field: z.string().max(300),
    value: z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]),
  })
  .strict();

export const DashboardRunBody = z
  .object({
    /** Values keyed by the dashboard filter's key. */
    filters: z.record(Key, DashboardFilterValue).optional(),
    crossFilter: z.array(DashboardCrossFilter).max(8).optional(),
  })
  .strict();

// ---------------------------------------------------------------- answers

export const DashboardSchema = DashboardBody.extend({ version: z.number().int(), updatedAt: z.string() });
export const DashboardSummarySchema = z.object({
  key: z.string(),
  name: Label,
  description: z.string().optional(),
  roles: z.array(z.string()),
  order: z.number().int().optional(),
  widgetCount: z.number().int(),
  version: z.number().int(),
  updatedAt: z.string(),
});

export const DashboardWidgetAnswerSchema = z.object({
  id: z.string(),
  report: z.string(),
  /** The caller may not read the widget's report (or it no longer exists): nothing else is answered. */
  restricted: z.boolean().optional(),
  /** The widget's report failed (e.g. too many cells); the other widgets still answer. */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /** The report's answer (a KPI carries its previous-period `comparison`). */
  answer: ReportAnswerSchema.optional(),
  /** Chart type to draw: the widget's override, else the report's. */
  chartType: z.enum(REPORT_CHARTS).optional(),
  /** Dashboard filter keys applied to this widget, and whether a cross filter was. */
  applied: z
    .object({
      filters: z.array(z.string()),
      crossFilter: z.boolean(),
      /** The run options the widget's report was run with: a drill-down or a cell's records (`/api/reports/:key/run`, `/cell-filter`) start from them. */
      filter: z.record(z.string(), z.unknown()).optional(),
      drill: z.array(z.object({ field: z.string(), value: z.union([z.string(), z.number(), z.boolean(), z.null()]) })).optional(),
    })
    .optional(),
});

export const DashboardRunAnswerSchema = z.object({
  dashboard: z.object({ key: z.string(), version: z.number().int() }),
  widgets: z.array(DashboardWidgetAnswerSchema),
  elapsedMs: z.number(),
});

/**
 * `GET /api/dashboards/filter-fields?reports=a,b`: the fields a dashboard filter can map to, for the
 * designer's field picker — every field and system column of the reports' objects and one hop through
 * their relation fields, with the filter kinds each fits and the reports whose object has it.
 */
export const DashboardFilterFieldsQuery = z
  .object({
    /** Report keys, comma-separated (the dashboard's widgets). */
    reports: z.string().min(1).max(24 * 64 + 23),
    kind: z.enum(DASHBOARD_FILTER_KINDS).optional(),
  })
  .strict();
export const DashboardFilterFieldsSchema = z.strictObject({
  items: z.array(
    z.strictObject({
      /** A field key or relation path (`customer.org_unit_id`): what a filter's `field` takes. */
      field: z.string(),
      /** Its label in the caller's language (`客户 / 所属机构` through a relation). */
      label: z.string(),
      type: z.string(),
      /** The filter kinds it fits: dates → date_range, org units → org_unit, users → owner, select, relation, user and boolean fields → product. */
      kinds: z.array(z.enum(DASHBOARD_FILTER_KINDS)),
      /** The reports (of those asked) whose object has it: the widgets the filter would apply to. */
      reports: z.array(z.string()),
    }),
  ),
});

/** `GET /api/dashboards/:key/filters/:filter/options?q=`: values a viewer may pick for an owner or product filter. */
export const DashboardFilterOptionsQuery = z.object({ q: z.string().max(100).optional() }).strict();
/** At most this many options per filter (the most frequent first). */
export const DASHBOARD_FILTER_OPTIONS_MAX = 200;
export const DashboardFilterOptionsSchema = z.strictObject({
  items: z.array(
    z.strictObject({
      value: z.string(),
      /** The value's display label (a user's or record's name, a choice's label), as the caller may see it. */
      label: z.string(),
      /** Rows in the caller's scope with this value, in the first widget whose report has the field, as a decimal string. */
      count: z.string(),
    }),
  ),
});
