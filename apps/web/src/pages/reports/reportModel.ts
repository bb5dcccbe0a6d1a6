/**
 * Pure helpers of the report screens: the designer's draft and the definition it compiles to, the
 * values and labels of an answer, the entries shown at a drill-down level (taken from the server's
 * subtotals, never summed here), and the records filter behind a cell.
 */
import type { Field, ReportAnswer, ReportColumn, ReportQuery } from '@crm/shared';

type Label = NonNullable<ReportQuery['measures'][number]['label']>;

export type ChartType = 'kpi' | 'bar' | 'column' | 'line' | 'area' | 'pie' | 'donut' | 'funnel' | 'table' | 'pivot';
export type Agg = 'count' | 'count_distinct' | 'sum' | 'avg' | 'min' | 'max';
export type Bucket = 'day' | 'week' | 'month' | 'quarter' | 'year';

/** `label`: the saved one, kept while the dimension stays as it was saved. */
export interface DraftDim { field: string; key: string; bucket?: Bucket; level?: number; label?: Label }
export interface DraftMeasure { key: string; agg: Agg; field?: string; label?: Label }
/** A measure computed from the plain ones of each row: a ratio of two, or a FEEL expression over them by key. */
export type DraftComputed =
  | { key: string; agg: 'ratio'; numerator: string; denominator: string; label?: Label }
  | { key: string; agg: 'feel'; expression: string; scale?: number; label?: Label };
/**
 * A drill path: from one of the report's dimensions (`base`, by key) down through `levels` — a click on
 * the base shows the first level in its place, and so on. `first`: the saved first level, written back as
 * it was while the base dimension is unchanged.
 */
export interface DraftHierarchy { key?: string; label?: Label; base: string; first?: DimDef; levels: DraftDim[] }
type DimDef = NonNullable<ReportQuery['hierarchies']>[number]['levels'][number];
export interface DraftCondition { field: string; op: 'eq' | 'ne' | 'in' | 'gt' | 'gte' | 'lt' | 'lte' | 'within' | 'empty'; value?: unknown }
export interface Draft {
  key: string;
  nameZh: string;
  nameEn: string;
  object: string;
  rows: DraftDim[];
  columns: DraftDim[];
  measures: DraftMeasure[];
  computed: DraftComputed[];
  conditions: DraftCondition[];
  hierarchies: DraftHierarchy[];
  sort?: string;
  limit?: number;
  chart: ChartType;
  stacked: boolean;
  /**
   * Parts of a saved definition the designer does not edit, saved back as they were: chart options
   * besides `stacked` (a KPI's comparison …), and a filter the conditions cannot show (`$or`, `$not`,
   * "is not empty" …), which the conditions then add to.
   */
  kept?: { chartOptions?: Record<string, unknown>; filter?: Record<string, unknown>; noPivot?: boolean; measureOrder?: string[] };
}

/** A field the designer offers: a field of the object, a system column, or one hop through a relation. */
/** `measure`/`dimension`: a report source's fitness of the field (absent on object fields: every zone). */
export interface FieldChoice { path: string; label: string; type: string; field?: Field; measure?: boolean; dimension?: boolean }

export type AnswerRow = Record<string, unknown>;

export const NUMERIC_TYPES = new Set(['integer', 'decimal', 'money', 'percent']);
export const DATE_TYPES = new Set(['date', 'datetime']);

export const RELATIVE_DATES = [
  ['today', '今天', 'Today'], ['yesterday', '昨天', 'Yesterday'], ['last 7 days', '最近 7 天', 'Last 7 days'], ['last 30 days', '最近 30 天', 'Last 30 days'],
  ['last 12 months', '最近 12 个月', 'Last 12 months'], ['this week', '本周', 'This week'], ['this month', '本月', 'This month'], ['last month', '上月', 'Last month'],
  ['this quarter', '本季度', 'This quarter'], ['last quarter', '上季度', 'Last quarter'], ['this year', '今年', 'This year'], ['last year', '去年', 'Last year'],
  ['month to date', '本月至今', 'Month to date'], ['quarter to date', '本季至今', 'Quarter to date'], ['year to date', '年初至今', 'Year to date'],
  ['same period last year', '去年同期（年初至今）', 'Same period last year'], ['this month last year', '去年同月', 'This month last year'],
] as const;

export function dimKey(field: string, bucket?: Bucket, level?: number): string {
  return bucket ? `${field}_${bucket}` : level ? `${field}_l${level}` : field;
}

/** A free key for a computed measure (`ratio_1`, `calc_1` …). */
export function computedKey(agg: 'ratio' | 'feel', taken: string[]): string {
  const base = agg === 'ratio' ? 'ratio' : 'calc';
  let i = 1;
  while (taken.includes(`${base}_${i}`)) i++;
  return `${base}_${i}`;
}

export function measureKey(agg: Agg, field: string | undefined, taken: string[]): string {
  const base = agg === 'count' && !field ? 'n' : `${agg}_${(field ?? 'rows').replace(/\./g, '_')}`.slice(0, 60);
  let k = base;
  for (let i = 2; taken.includes(k); i++) k = `${base}_${i}`;
  return k;
}

function conditionFilter(c: DraftCondition): unknown {
  switch (c.op) {
    case 'eq': return c.value ?? null;
    case 'ne': return { $ne: c.value };
    case 'in': return { $in: Array.isArray(c.value) ? c.value : String(c.value ?? '').split(/[,，]/).map((s) => s.trim()).filter(Boolean) };
    case 'within': return { $within: c.value };
    case 'empty': return { $null: true };
    default: return { [`$${c.op}`]: c.value };
  }
}

export function draftFilter(conditions: DraftCondition[]): Record<string, unknown> | undefined {
  const usable = conditions.filter((c) => c.field && (c.op === 'empty' || (c.value !== undefined && c.value !== '')));
  if (!usable.length) return undefined;
  const seen = new Set<string>();
  const parts: Record<string, unknown>[] = [];
  const merged: Record<string, unknown> = {};
  for (const c of usable) {
    if (seen.has(c.field)) parts.push({ [c.field]: conditionFilter(c) });
    else { seen.add(c.field); merged[c.field] = conditionFilter(c); }
  }
  return parts.length ? { $and: [merged, ...parts] } : merged;
}

/** The definition the draft stands for (the body of a preview; a save adds key and name). */
export function draftDefinition(d: Draft): ReportQuery {
  const dims = [...d.rows, ...d.columns];
  const { chartOptions, filter: keptFilter } = d.kept ?? {};
  const options = { ...chartOptions, ...(d.stacked ? { stacked: true } : {}) };
  const def: ReportQuery = {
    object: d.object,
    measures: inSavedOrder([
      ...d.measures.map((m) => ({ key: m.key, agg: m.agg, ...(m.field ? { field: m.field } : {}), ...(m.label ? { label: m.label } : {}) })),
      ...d.computed.map((m) => ({ ...m, ...(m.agg === 'feel' ? { expression: m.expression.trim() } : {}) })),
    ], d.kept?.measureOrder),
    dimensions: dims.map(dimDefinition),
    chart: { type: d.chart, ...(Object.keys(options).length ? { options } : {}) },
  };
  const conditions = draftFilter(d.conditions);
  const filter = keptFilter && conditions ? { $and: [keptFilter, conditions] } : (keptFilter ?? conditions);
  if (filter) def.filter = filter;
  // A saved report without a pivot stays without one until a dimension goes to the columns.
  if (dims.length && !(d.kept?.noPivot && !d.columns.length)) def.pivot = { rows: d.rows.map((x) => x.key), columns: d.columns.map((x) => x.key) };
  if (d.sort) def.sort = d.sort;
  if (d.limit) def.limit = d.limit;
  const hierarchies = d.hierarchies.filter((h) => h.levels.length).map((h) => hierarchyDefinition(h, dims));
  if (hierarchies.length) def.hierarchies = hierarchies;
  return def;
}

export function dimDefinition(x: DraftDim): DimDef {
  return { field: x.field, ...(x.key !== x.field ? { key: x.key } : {}), ...(x.bucket ? { bucket: x.bucket } : {}), ...(x.level ? { level: x.level } : {}), ...(x.label ? { label: x.label } : {}) };
}

/**
 * A drill path as the server takes it: its first level is the base dimension. A base no longer among the
 * dimensions is sent as saved, and the server's answer says which (a path never disappears unasked).
 */
function hierarchyDefinition(h: DraftHierarchy, dims: DraftDim[]): NonNullable<ReportQuery['hierarchies']>[number] {
  const base = dims.find((x) => x.key === h.base);
  const first = h.first && (h.first.key ?? h.first.field) === h.base ? h.first : base ? dimDefinition(base) : (h.first ?? { field: h.base });
  return { ...(h.key ? { key: h.key } : {}), ...(h.label ? { label: h.label } : {}), levels: [first, ...h.levels.map(dimDefinition)] };
}

/** Every column key a draft's dimensions and drill levels use (a new one must not take one of them). */
export function usedDimKeys(d: Pick<Draft, 'rows' | 'columns' | 'hierarchies'>): Set<string> {
  return new Set([...d.rows, ...d.columns, ...d.hierarchies.flatMap((h) => h.levels)].map((x) => x.key));
}

/** Measures in the order the saved report had them (its columns' order); new ones after, as added. */
function inSavedOrder<T extends { key: string }>(measures: T[], order: string[] | undefined): T[] {
  if (!order?.length) return measures;
  const at = (k: string) => { const i = order.indexOf(k); return i < 0 ? order.length : i; };
  return measures.map((m, i) => ({ m, i })).sort((a, b) => at(a.m.key) - at(b.m.key) || a.i - b.i).map((x) => x.m);
}

/** Back from a saved definition to the designer's draft. */
export function definitionDraft(r: {
  key: string; name: unknown; object: string; measures: ReportQuery['measures'];
  dimensions?: { field: string; key?: string; bucket?: string; level?: number; label?: Label }[]; filter?: Record<string, unknown>;
  sort?: string; limit?: number; pivot?: { rows: string[]; columns: string[] }; chart?: { type: string; options?: Record<string, unknown> };
  hierarchies?: ReportQuery['hierarchies'];
}): Draft {
  const name = typeof r.name === 'string' ? { 'zh-CN': r.name, en: r.name } : (r.name as Record<string, string>);
  const toDraft = (x: { field: string; key?: string; bucket?: string; level?: number; label?: Label }): DraftDim =>
    ({ field: x.field, key: x.key ?? x.field, bucket: x.bucket as Bucket | undefined, level: x.level, ...(x.label ? { label: x.label } : {}) });
  const dims = (r.dimensions ?? []).map(toDraft);
  const colKeys = new Set(r.pivot?.columns ?? []);
  const { stacked: _stacked, ...chartOptions } = r.chart?.options ?? {};
  const conditions = filterConditions(r.filter);
  return {
    key: r.key,
    nameZh: name['zh-CN'] ?? '',
    nameEn: name.en ?? '',
    object: r.object,
    rows: dims.filter((x) => !colKeys.has(x.key)),
    columns: dims.filter((x) => colKeys.has(x.key)),
    measures: r.measures.filter((m) => m.agg !== 'ratio' && m.agg !== 'feel').map((m) => ({ key: m.key, agg: m.agg as Agg, field: m.field, ...(m.label ? { label: m.label } : {}) })),
    computed: r.measures.flatMap((m): DraftComputed[] => {
      const label = m.label ? { label: m.label } : {};
      if (m.agg === 'ratio') return [{ key: m.key, agg: 'ratio', numerator: m.numerator ?? '', denominator: m.denominator ?? '', ...label }];
      if (m.agg === 'feel') return [{ key: m.key, agg: 'feel', expression: m.expression ?? '', ...(m.scale !== undefined ? { scale: m.scale } : {}), ...label }];
      return [];
    }),
    hierarchies: (r.hierarchies ?? []).map((h) => ({
      ...(h.key ? { key: h.key } : {}), ...(h.label ? { label: h.label as Label } : {}),
      base: h.levels[0]!.key ?? h.levels[0]!.field, first: h.levels[0], levels: h.levels.slice(1).map(toDraft),
    })),
    // Other chart options and a filter the conditions cannot show are kept as they are.
    kept: { ...(Object.keys(chartOptions).length ? { chartOptions } : {}), ...(conditions ? {} : { filter: r.filter }), ...(r.pivot ? {} : { noPivot: true }), measureOrder: r.measures.map((m) => m.key) },
    conditions: conditions ?? [],
    sort: r.sort,
    limit: r.limit,
    chart: (r.chart?.type ?? 'table') as ChartType,
    stacked: !!r.chart?.options?.stacked,
  };
}

const CONDITION_OPS = new Set(['$eq', '$ne', '$in', '$gt', '$gte', '$lt', '$lte', '$within']);

/** The conditions a saved filter stands for, or null when they cannot show it all (it is then kept as it is). */
function filterConditions(filter: Record<string, unknown> | undefined): DraftCondition[] | null {
  if (!filter) return [];
  const out: DraftCondition[] = [];
  const visit = (f: unknown): boolean => {
    if (!f || typeof f !== 'object' || Array.isArray(f)) return false;
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) {
        if (!v.every(visit)) return false;
      } else if (k.startsWith('$')) return false;
      else if (v && typeof v === 'object' && !Array.isArray(v)) {
        for (const [op, val] of Object.entries(v)) {
          if (op === '$null' && val === true) out.push({ field: k, op: 'empty' });
          else if (CONDITION_OPS.has(op)) out.push({ field: k, op: op.slice(1) as DraftCondition['op'], value: val });
          else return false;
        }
      } else out.push({ field: k, op: 'eq', value: v });
    }
    return true;
  };
  return visit(filter) ? out : null;
}

// ------------------------------------------------------------------ answers

/** `12345678.9` → `12,345,678.9`, on the decimal string itself (no float on the way). */
export function groupDigits(s: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(s);
  if (!m) return s;
  return m[1]! + m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (m[3] ?? '');
}

export function formatCell(col: ReportColumn | undefined, v: unknown, empty: string): string {
  if (v === null || v === undefined || v === '') return col?.role === 'measure' ? '—' : empty;
  if (col?.labels && typeof v === 'string' && col.labels[v] !== undefined) return col.labels[v]!;
  if (typeof v === 'number') return groupDigits(String(v));
  if (typeof v === 'string' && col?.role === 'measure' && /^-?\d+(\.\d+)?$/.test(v)) return groupDigits(v);
  if (typeof v === 'boolean') return v ? '✓' : '✗';
  return String(v);
}

/** The plotted number of a measure value (a chart needs positions; labels keep the exact string). */
export function plotNumber(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

const sameSet = (a: unknown, b: string[]) => Array.isArray(a) && a.length === b.length && b.every((x) => a.includes(x));

/**
 * The entries grouped by the first `depth` row dimensions and every column dimension: the answer's rows
 * at full depth, else the server's subtotals that collapse the remaining row dimensions.
 */
export function entriesAt(answer: ReportAnswer, rowKeys: string[], depth: number): AnswerRow[] {
  if (depth >= rowKeys.length) return answer.rows;
  const collapsed = rowKeys.slice(depth);
  return (answer.totals ?? []).filter((t) => sameSet(t.$collapsed, collapsed));
}

/** The grand total (every dimension collapsed), or the one row of a report without dimensions. */
export function grandTotal(answer: ReportAnswer): AnswerRow | undefined {
  const dims = answer.columns.filter((c) => c.role === 'dimension').map((c) => c.key);
  if (!dims.length) return answer.rows[0];
  return (answer.totals ?? []).find((t) => sameSet(t.$collapsed, dims));
}

/** A subtotal or total by the dimensions it keeps (`fixed`): every other dimension collapsed. */
export function lookupTotal(answer: ReportAnswer, fixed: AnswerRow): AnswerRow | undefined {
  const dims = answer.columns.filter((c) => c.role === 'dimension').map((c) => c.key);
  const collapsed = dims.filter((d) => !(d in fixed));
  const pool = collapsed.length ? answer.totals ?? [] : answer.rows;
  return pool.find((t) => (collapsed.length ? sameSet(t.$collapsed, collapsed) : true) && Object.entries(fixed).every(([k, v]) => t[k] === v));
}

// ------------------------------------------------------------------ records behind a cell

export function isNumericChoice(c: FieldChoice | undefined): boolean { return !!c && NUMERIC_TYPES.has(c.type); }
