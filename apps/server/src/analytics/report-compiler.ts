/**
 * Compiles a report definition, for one caller, to ONE parameterised SQL statement: the caller's row
 * scope comes from the scoped reader's row sources, filters from the records filter compiler (with
 * relative dates turned into plain bounds first), dimensions and measures from metadata only — every
 * identifier quoted, every value bound. Subtotals and totals come from GROUPING SETS in the same
 * statement; top N and the cell cap are applied by it too.
 */
import { compileFeel, FeelSyntaxError } from '@crm/feel';
import type { Lang } from '@crm/form-engine';
import { pickText } from '@crm/form-engine';
import { REPORT_MAX_CELLS } from '@crm/shared';
import type { Principal } from '../auth/principal.js';
import { columnType } from '../metadata/field-types.js';
import type { MetadataService } from '../metadata/metadata.service.js';
import { compileFilter, type ColumnInfo } from '../records/filter-compiler.js';
import { isSystemRead, type ScopedReader, type SystemRead } from '../records/scoped-reader.js';
import { bucketSql, type Bucket } from './report-dates.js';
import type { Rollup } from './report-rollups.js';
import { filterKeys, relativeDates } from './report-filters.js';
import { comparableOfField, ReportSources, type ResolvedField } from './report-sources.js';
import type { ReportSourceRegistry } from './report-source-registry.js';
import { reportProblem } from './reports.messages.js';

export interface MeasureDef {
  key: string;
  label?: unknown;
  agg: 'count' | 'count_distinct' | 'sum' | 'avg' | 'min' | 'max' | 'ratio' | 'feel';
  field?: string;
  numerator?: string;
  denominator?: string;
  expression?: string;
  scale?: number;
}
export interface DimensionDef {
  field: string;
  key?: string;
  label?: unknown;
  bucket?: Bucket;
  level?: number;
}
export interface HierarchyDef {
  key?: string;
  label?: unknown;
  levels: DimensionDef[];
}
export interface PivotDef {
  rows: string[];
  columns: string[];
}
/** What a run needs of a definition (saved or not). */
export interface ReportSpec {
  object: string;
  measures: MeasureDef[];
  dimensions: DimensionDef[];
  filter?: Record<string, unknown>;
  sort?: string;
  limit?: number;
  pivot?: PivotDef;
  hierarchies?: HierarchyDef[];
}
export interface RunOptions {
  filter?: Record<string, unknown>;
  drill?: { field: string; value: string | number | boolean | null }[];
  pivot?: PivotDef;
}

/** An answer column and how its values are read back. */
export interface ColumnPlan {
  key: string;
  label: string;
  type: string;
  role: 'dimension' | 'measure';
  alias: string;
  bucket?: Bucket;
  /** A FEEL measure: computed from the row's other measures after the statement. */
  feel?: { expression: string; scale: number };
  /** Where display labels of its values come from. */
  labels?: { kind: 'choices'; choices: Record<string, string> } | { kind: 'alias'; alias: string } | { kind: 'users' } | { kind: 'org_units' };
}

export interface CompiledReport {
  sql: string;
  params: unknown[];
  columns: ColumnPlan[];
  /** Dimension keys in GROUPING() order (bit n-1-i set: dimension i summed over). */
  grouped: string[];
  objects: string[];
  /** Rows the statement may answer before the cell cap is exceeded. */
  maxRows: number;
  /** Masked fields the caller groups by in clear (holders of `unmask`): audited. */
  unmasked: string[];
  /** Each drill hierarchy: the level shown. */
  hierarchies: HierarchyState[];
  /** The definition of each dimension key of the answer (a cell's records filter). */
  dimensions: Map<string, DimensionDef>;
  /** The definition's and the run's filters (relative dates resolved) and the drill-down, in the records filter language. */
  recordFilters: Record<string, unknown>[];
  /** Whether the statement reads the object's rollup instead of its records. */
  rollup: boolean;
}

/** A hierarchy at the level a drill-down reached: `depth` levels drilled (the last level stays shown). */
export interface HierarchyState {
  key: string;
  /** The dimension key the hierarchy starts from (what a pivot names). */
  base: string;
  depth: number;
  current: string;
  levels: { key: string; label: string }[];
}

const SCALE = /^numeric\(\d+,(\d+)\)$/;
const NUMERIC_TYPES = new Set(['integer', 'decimal', 'money', 'percent']);
const ORDERED = new Set(['number', 'date', 'timestamp']);

function scaleOf(r: ResolvedField): number {
  if (!r.field) return 2;
  const m = columnType(r.field).match(SCALE);
  return m ? Number(m[1]) : 2;
}

/** The aggregate of a measure over a field: what the caller may see of the field decides which aggregates apply. */
function fieldMeasure(m: MeasureDef, r: ResolvedField, alias: string, forCaller: boolean, where: string): { value: string; agg: string; type: string } {
  const counting = m.agg === 'count' || m.agg === 'count_distinct';
  if (forCaller && ((r.mode === 'masked' && !r.node.acc.unmask) || r.encrypted) && !counting) {
    throw reportProblem(`${where}/field`, 'masked_field', { 'zh-CN': `字段 ${m.field} 只能计数`, en: `${m.field} can only be counted` });
  }
  if (r.encrypted && !counting) {
    throw reportProblem(`${where}/field`, 'not_aggregatable', { 'zh-CN': `字段 ${m.field} 加密存储，只能计数`, en: `${m.field} is encrypted at rest and can only be counted` });
  }
  if (((m.agg === 'sum' || m.agg === 'avg') && !NUMERIC_TYPES.has(r.type)) || ((m.agg === 'min' || m.agg === 'max') && !ORDERED.has(comparableOfField(r)))) {
    throw reportProblem(`${where}/agg`, 'not_aggregatable', { 'zh-CN': `${m.agg} 不适用于字段 ${m.field}`, en: `${m.agg} does not apply to ${m.field}` });
  }
  if (['json', 'attachment'].includes(r.type) && m.agg === 'count_distinct') {
    throw reportProblem(`${where}/agg`, 'not_aggregatable', { 'zh-CN': `count_distinct 不适用于字段 ${m.field}`, en: `count_distinct does not apply to ${m.field}` });
  }
  // Ciphertext is random: distinct values are counted on the keyed search hash.
  const value = r.encrypted ? r.sql.replace(/"([a-z][a-z0-9_]*)"$/, '"$1__h"') : r.sql;
  const x = `x.${alias}`;
  if (m.agg === 'count') return { value, agg: `count(${x})::bigint`, type: 'integer' };
  if (m.agg === 'count_distinct') return { value, agg: `count(DISTINCT ${x})::bigint`, type: 'integer' };
  if (m.agg === 'avg') return { value, agg: `round(avg(${x}), ${scaleOf(r)})`, type: r.type === 'money' ? 'money' : 'decimal' };
  return { value, agg: `${m.agg}(${x})`, type: r.type };
}

export class ReportCompiler {
  constructor(
    private readonly reader: ScopedReader,
    private readonly meta: MetadataService,
    private readonly now: () => Date = () => new Date(),
    private readonly registry?: ReportSourceRegistry,
  ) {}

  /**
   * `rollup`: the object's rollup, read instead of the records when the report fits it (see
   * `rollupFits`) and the caller's row scope is said at its grain; `CompiledReport.rollup` says whether it was.
   */
  async compile(spec: ReportSpec, run: RunOptions, who: Principal | SystemRead, lang: Lang, rollup?: Rollup | null): Promise<CompiledReport> {
    const params: unknown[] = [];
    const { dimensions, hierarchies, levels } = hierarchyLevels(spec, run.drill ?? [], lang);
    const fits = !!rollup && rollupFits(spec, run, rollup.fields);
    const src = await ReportSources.open(this.reader, this.meta, spec.object, who, params, lang, this.registry, fits ? rollup!.table : undefined);
    const unmasked: string[] = [];
    const inner: string[] = [];
    const columns: ColumnPlan[] = [];
    const keys = new Set<string>();
    const claim = (key: string, where: string) => {
      if (keys.has(key)) throw reportProblem(where, 'duplicate_key', { 'zh-CN': `重复的列 ${key}`, en: `duplicate column ${key}` });
      keys.add(key);
    };
    const caller = isSystemRead(who) ? null : who;

    // ---- dimensions (a drill hierarchy's dimension at the level its drill-down reached)
    const dimInfo = new Map<string, ColumnInfo>();
    const defs = new Map<string, DimensionDef>();
    for (const [i, d] of dimensions.entries()) {
      const where = d.where ?? `/dimensions/${i}`;
      const key = d.key ?? d.field;
      claim(key, where);
      const dim = await this.dimension(d, `d${i}`, where, src, params, lang, !!caller);
      if (dim.unmasked) unmasked.push(d.field);
      if (dim.labelSql) inner.push(dim.labelSql);
      inner.push(`${dim.expr} AS ${dim.plan.alias}`);
      dimInfo.set(key, { key, sql: dim.expr, comparable: dim.comparable });
      defs.set(key, d);
      columns.push(dim.plan);
      for (const h of hierarchies) for (const l of h.levels) if (l.key === key && !dimensions[i]!.label) l.label = dim.plan.label;
    }

    // ---- measures
    const aggs = new Map<string, string>();
    const plans: ColumnPlan[] = [];
    for (const [i, m] of spec.measures.entries()) {
      const where = `/measures/${i}`;
      claim(m.key, where);
      const alias = `m${i}`;
      if (m.agg === 'ratio' || m.agg === 'feel') continue;
      let label = '';
      let type = 'integer';
      let agg: string;
      if (!m.field && src.rolled) {
        // A rollup row stands for `n` rows.
        inner.push(`"t"."n" AS ${alias}`);
        agg = `coalesce(sum(x.${alias}), 0)::bigint`;
      } else if (!m.field) agg = 'count(*)::bigint';
      else {
        const r = await src.resolve(m.field, `${where}/field`);
        const planned = fieldMeasure(m, r, alias, !!caller, where);
        ({ agg, type } = planned);
        label = r.label;
        if (src.rolled) {
          // The rollup's sum of the field and its count of non-empty values (a sum of only empty values is empty).
          const filled = `${r.sql.slice(0, -1)}__n"`;
          if (m.agg === 'sum') {
            inner.push(`${r.sql} AS ${alias}`, `${filled} AS ${alias}n`);
            agg = `CASE WHEN sum(x.${alias}n) > 0 THEN sum(x.${alias}) END`;
          } else {
            inner.push(`${filled} AS ${alias}`);
            agg = `coalesce(sum(x.${alias}), 0)::bigint`;
          }
        } else inner.push(`${planned.value} AS ${alias}`);
      }
      aggs.set(m.key, agg);
      plans[i] = { key: m.key, label: pickText(m.label as never, lang) || defaultMeasureLabel(m.agg, label, lang), type, role: 'measure', alias };
    }
    for (const [i, m] of spec.measures.entries()) {
      if (m.agg !== 'ratio') continue;
      const num = aggs.get(m.numerator!);
      const den = aggs.get(m.denominator!);
      if (!num || !den) {
        throw reportProblem(`/measures/${i}`, 'unknown_measure', { 'zh-CN': '比率须引用本报表的两个非比率指标', en: 'a ratio names two other (non-ratio) measures of the report' });
      }
      aggs.set(m.key, `round((${num})::numeric / NULLIF((${den})::numeric, 0), 4)`);
      plans[i] = { key: m.key, label: pickText(m.label as never, lang) || m.key, type: 'decimal', role: 'measure', alias: `m${i}` };
    }
    for (const [i, m] of spec.measures.entries()) {
      if (m.agg !== 'feel') continue;
      plans[i] = { key: m.key, label: pickText(m.label as never, lang) || m.key, type: 'decimal', role: 'measure', alias: `m${i}`, feel: { expression: m.expression!, scale: m.scale ?? 2 } };
      feelInputs(m.expression!, spec.measures, `/measures/${i}/expression`);
    }
    columns.push(...plans);

    // ---- filters (the definition's and the run's), drill-down
    const filters = [spec.filter, run.filter].filter((f): f is Record<string, unknown> => !!f && Object.keys(f).length > 0);
    const filterCols = new Map<string, ColumnInfo>();
    for (const k of filters.reduce((s, f) => filterKeys(f, s), new Set<string>())) {
      const col = await src.filterColumn(k, `/filter/${k}`).catch(() => undefined);
      if (col) filterCols.set(k, col);
    }
    const conditions = filters.map((f, i) => compileFilter(relativeDates(f, filterCols, this.now(), i ? '/runFilter' : '/filter'), { columns: filterCols, params }));
    const recordFilters = filters.map((f, i) => relativeDates(f, filterCols, this.now(), i ? '/runFilter' : '/filter') as Record<string, unknown>);
    for (const [i, d] of (run.drill ?? []).entries()) {
      const where = `/drill/${i}/field`;
      let col = dimInfo.get(d.field);
      let def = defs.get(d.field);
      const level = levels.get(d.field);
      if (!col && level) {
        // A level of a hierarchy above the one shown: its grouping expression, checked like a dimension.
        const dim = await this.dimension(level, `h${i}`, where, src, params, lang, !!caller);
        if (dim.unmasked) unmasked.push(level.field);
        col = { key: d.field, sql: dim.expr, comparable: dim.comparable };
        def = level;
      }
      col ??= await src.filterColumn(d.field, where).catch(() => undefined);
      if (!col) throw reportProblem(where, 'unknown_field', { 'zh-CN': `未知字段 ${d.field}`, en: `unknown field ${d.field}` });
      conditions.push(compileFilter({ [d.field]: d.value }, { columns: new Map([[d.field, col]]), params }));
      if (def?.level !== undefined && d.value !== null) {
        // The same rows, said as the units under the one drilled into: an index on the column finds them.
        const unit = await src.resolve(def.field, where);
        conditions.push(compileFilter(cellCondition(def, d.value), { columns: new Map([[def.field, { key: def.field, sql: unit.sql, comparable: 'uuid' }]]), params }));
      }
      recordFilters.push(cellCondition(def ?? { field: d.field }, d.value));
    }

    // ---- grouping: plain (details + grand total) or pivot (every row prefix × column prefix)
    const dimKeys = columns.filter((c) => c.role === 'dimension').map((c) => c.key);
    const pivot = renamePivot(run.pivot ?? spec.pivot, hierarchies);
    let rowKeys = dimKeys;
    let colKeys: string[] = [];
    if (pivot) {
      for (const k of [...pivot.rows, ...pivot.columns]) {
        if (!dimKeys.includes(k)) throw reportProblem('/pivot', 'unknown_dimension', { 'zh-CN': `透视表引用了未知维度 ${k}`, en: `the pivot names an unknown dimension ${k}` });
      }
      colKeys = [...new Set(pivot.columns)];
      rowKeys = [...new Set([...pivot.rows.filter((k) => !colKeys.includes(k)), ...dimKeys.filter((k) => !pivot.rows.includes(k) && !colKeys.includes(k))])];
    }
    const ordered = [...rowKeys, ...colKeys];
    const dimPlans = ordered.map((k) => columns.find((c) => c.key === k)!);
    const groupCols = (ks: string[]) =>
      ks.flatMap((k) => {
        const c = columns.find((x) => x.key === k)!;
        return c.labels?.kind === 'alias' ? [`x.${c.alias}`, `x.${c.labels.alias}`] : [`x.${c.alias}`];
      });
    const sets = new Set<string>();
    if (pivot) {
      for (let i = 0; i <= rowKeys.length; i++) for (let j = 0; j <= colKeys.length; j++) sets.add(`(${groupCols([...rowKeys.slice(0, i), ...colKeys.slice(0, j)]).join(', ')})`);
    } else if (dimKeys.length) {
      sets.add(`(${groupCols(dimKeys).join(', ')})`);
      sets.add('()');
    }
    const grouping = ordered.length ? `GROUPING(${ordered.map((k) => `x.${columns.find((c) => c.key === k)!.alias}`).join(', ')})` : '0';

    // ---- sort and top N (within each grouping level: details first, then subtotals, then the total)
    const order = this.sortSql(spec.sort, columns, aggs, dimPlans);
    const ncols = columns.length;
    const maxRows = Math.max(1, Math.floor(REPORT_MAX_CELLS / ncols));
    const select = [
      ...dimPlans.flatMap((c) => [`x.${c.alias} AS ${c.alias}`, ...(c.labels?.kind === 'alias' ? [`x.${c.labels.alias} AS ${c.labels.alias}`] : [])]),
      ...columns.filter((c) => c.role === 'measure' && !c.feel).map((c) => `${aggs.get(c.key)} AS ${c.alias}`),
      `${grouping} AS g`,
      `row_number() OVER (${ordered.length ? `PARTITION BY ${grouping} ` : ''}ORDER BY ${order}) AS rn`,
    ];
    const from = `(SELECT ${inner.length ? inner.join(', ') : '1 AS one'} FROM ${src.fromSql()} WHERE ${conditions.length ? conditions.map((c) => `(${c})`).join(' AND ') : 'TRUE'}) x`;
    const groupBy = sets.size ? ` GROUP BY GROUPING SETS (${[...sets].join(', ')})` : '';
    let top = '';
    if (spec.limit) {
      params.push(spec.limit);
      top = ` WHERE r.g <> 0 OR r.rn <= $${params.length}::int`;
    }
    params.push(maxRows + 1);
    const sql = `SELECT * FROM (SELECT ${select.join(', ')} FROM ${from}${groupBy}) r${top} ORDER BY r.g, r.rn LIMIT $${params.length}::int`;
    return {
      sql, params, columns: [...dimPlans, ...columns.filter((c) => c.role === 'measure')], grouped: ordered, objects: [...src.objects], maxRows, unmasked,
      hierarchies, dimensions: defs, recordFilters, rollup: src.rolled,
    };
  }

  /** A dimension for the caller: its grouping expression and its answer column (what they may not group by: 400). */
  private async dimension(d: DimensionDef, alias: string, where: string, src: ReportSources, params: unknown[], lang: Lang, forCaller: boolean) {
    const key = d.key ?? d.field;
    const r = await src.resolve(d.field, `${where}/field`);
    const clearMasked = r.mode === 'masked' && r.node.acc.unmask;
    // Grouping by a value shows it: masked or sensitive fields only for holders of unmask.
    if (forCaller && ((r.mode === 'masked' && !r.node.acc.unmask) || (r.encrypted && !r.node.acc.unmask))) {
      throw reportProblem(`${where}/field`, 'masked_field', { 'zh-CN': `字段 ${d.field} 脱敏显示，不能作为维度`, en: `${d.field} is masked for you and cannot be a dimension` });
    }
    if (r.encrypted || ['json', 'attachment', 'multiselect', 'tags'].includes(r.type)) {
      throw reportProblem(`${where}/field`, 'not_groupable', { 'zh-CN': `字段 ${d.field} 不能作为维度（加密存储或多值）`, en: `${d.field} cannot be a dimension (encrypted at rest, or a list)` });
    }
    const plan: ColumnPlan = { key, label: pickText(d.label as never, lang) || r.label, type: r.type, role: 'dimension', alias };
    let expr = r.sql;
    let comparable = comparableOfField(r);
    let labelSql: string | undefined;
    if (d.bucket) {
      if (comparable !== 'date' && comparable !== 'timestamp') {
        throw reportProblem(`${where}/bucket`, 'not_a_date', { 'zh-CN': `按 ${d.bucket} 分组需要日期字段`, en: `a ${d.bucket} bucket needs a date field` });
      }
      expr = bucketSql(r.sql, comparable === 'timestamp', d.bucket);
      Object.assign(plan, { type: 'period', bucket: d.bucket });
      comparable = 'text';
    } else if (d.level !== undefined) {
      if (r.type !== 'org_unit') throw reportProblem(`${where}/level`, 'not_an_org_unit', { 'zh-CN': `层级只适用于机构字段`, en: 'a level applies to org-unit fields' });
      params.push(d.level);
      expr = src.orgLevel(r.sql, `$${params.length}::int`);
    }
    if (d.bucket) {
      /* periods label themselves */
    } else if (r.type === 'select' && r.field) {
      const choices = (r.field.options?.choices ?? []) as { value: string; label: unknown }[];
      plan.labels = { kind: 'choices', choices: Object.fromEntries(choices.map((c) => [c.value, pickText(c.label as never, lang) || c.value])) };
    } else if (r.type === 'user') plan.labels = { kind: 'users' };
    else if (r.type === 'org_unit') plan.labels = { kind: 'org_units' };
    else if (r.type === 'relation' && r.field?.target) {
      const target = (await this.meta.current()).objects.get(r.field.target);
      const title = target?.titleField;
      if (title) {
        // The related record's title, when the caller may read it in clear.
        const t = await src.resolve(`${d.field}.${title}`, `${where}/field`).catch(() => null);
        if (t && !t.encrypted && (t.mode === 'read' || t.mode === 'write')) {
          labelSql = `${t.sql} AS ${alias}_l`;
          plan.labels = { kind: 'alias', alias: `${alias}_l` };
        }
      }
    }
    return { plan, expr, comparable, labelSql, unmasked: clearMasked };
  }

  /** ORDER BY of the window: the definition's `sort` (measure or dimension keys, `-` descending), then every dimension. */
  private sortSql(sort: string | undefined, columns: ColumnPlan[], aggs: Map<string, string>, dims: ColumnPlan[]): string {
    const parts: string[] = [];
    for (const raw of (sort ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      const desc = raw.startsWith('-');
      const key = raw.replace(/^[-+]/, '');
      const c = columns.find((x) => x.key === key);
      if (!c) throw reportProblem('/sort', 'unknown_column', { 'zh-CN': `排序引用了未知的列 ${key.slice(0, 100)}`, en: `the sort names an unknown column ${key.slice(0, 100)}` });
      if (c.feel) throw reportProblem('/sort', 'not_sortable', { 'zh-CN': `FEEL 指标 ${key} 不能排序`, en: `the FEEL measure ${key} cannot be sorted on` });
      parts.push(`${c.role === 'measure' ? aggs.get(c.key) : `x.${c.alias}`} ${desc ? 'DESC' : 'ASC'} NULLS LAST`);
    }
    parts.push(...dims.map((d) => `x.${d.alias} ASC NULLS LAST`));
    return parts.length ? parts.join(', ') : 'TRUE';
  }
}

/**
 * The dimensions shown after a drill-down: a hierarchy (its first level one of the report's dimensions)
 * shows the level below the deepest of its levels the drill names — at most its last level.
 */
export function hierarchyLevels(spec: ReportSpec, drill: { field: string }[], lang: Lang) {
  const dimensions: (DimensionDef & { where?: string })[] = [...spec.dimensions];
  const hierarchies: HierarchyState[] = [];
  const levels = new Map<string, DimensionDef & { where?: string }>();
  for (const [h, def] of (spec.hierarchies ?? []).entries()) {
    const keyOf = (d: DimensionDef) => d.key ?? d.field;
    const base = keyOf(def.levels[0]!);
    const at = spec.dimensions.findIndex((d) => keyOf(d) === base);
    if (at < 0) {
      throw reportProblem(`/hierarchies/${h}/levels/0`, 'unknown_dimension', { 'zh-CN': `下钻层级的第一层须为报表的维度 ${base}`, en: `a hierarchy starts at a dimension of the report (${base} is none)` });
    }
    def.levels.forEach((l, i) => {
      const k = keyOf(l);
      if (i > 0 && (levels.has(k) || spec.dimensions.some((d) => keyOf(d) === k))) {
        throw reportProblem(`/hierarchies/${h}/levels/${i}`, 'duplicate_key', { 'zh-CN': `重复的列 ${k}`, en: `duplicate column ${k}` });
      }
      levels.set(k, { ...l, where: `/hierarchies/${h}/levels/${i}` });
    });
    let depth = 0;
    def.levels.forEach((l, i) => {
      if (drill.some((d) => d.field === keyOf(l))) depth = i + 1;
    });
    const shown = def.levels[Math.min(depth, def.levels.length - 1)]!;
    if (shown !== def.levels[0]) dimensions[at] = { ...shown, where: `/hierarchies/${h}/levels/${Math.min(depth, def.levels.length - 1)}` };
    hierarchies.push({
      key: def.key ?? base, base, depth, current: keyOf(shown),
      levels: def.levels.map((l) => ({ key: keyOf(l), label: pickText(l.label as never, lang) || keyOf(l) })),
    });
  }
  return { dimensions, hierarchies, levels };
}

/** A pivot names a hierarchy by its first level: the level shown takes its place. */
function renamePivot(pivot: PivotDef | undefined, hierarchies: HierarchyState[]): PivotDef | undefined {
  if (!pivot || !hierarchies.length) return pivot;
  const rename = (k: string) => hierarchies.find((h) => h.base === k)?.current ?? k;
  return { rows: pivot.rows.map(rename), columns: pivot.columns.map(rename) };
}

/** Checks a FEEL measure: it parses, within the budget, and names only other (not FEEL) measures of the report. */
function feelInputs(expression: string, measures: MeasureDef[], where: string): void {
  let inputs: string[];
  try {
    inputs = [...compileFeel(expression).inputs];
  } catch (err) {
    if (!(err instanceof FeelSyntaxError)) throw err;
    throw reportProblem(where, 'invalid_expression', { 'zh-CN': `FEEL 表达式无效：${err.message}`, en: `the FEEL expression does not parse: ${err.message}` });
  }
  const known = new Set(measures.filter((m) => m.agg !== 'feel').map((m) => m.key));
  const unknown = inputs.filter((n) => !known.has(n));
  if (unknown.length) {
    throw reportProblem(where, 'unknown_measure', { 'zh-CN': `FEEL 指标只能引用本报表的其他非 FEEL 指标：${unknown.join(', ')}`, en: `a FEEL measure names other (not FEEL) measures of the report: ${unknown.join(', ')}` });
  }
}

/** Columns of a rollup's grain: what its rows are grouped by. */
const ROLLUP_GRAIN = new Set(['org_unit_id', 'owner_id']);

/**
 * Whether a rollup (rows per org unit × owner with counts and sums) answers a run exactly: every
 * dimension shown or drilled through, every filter and drill field is on the grain (an org-tree level
 * of the org unit included, no date bucket), and every measure is a count of rows, a count or sum of a
 * field the rollup sums (`fields`; null: any plain field, before the rollup is known), or a ratio or FEEL
 * measure over those. Anything else (a relation path, a date filter, min/max/avg/count distinct) reads the records.
 */
export function rollupFits(spec: ReportSpec, run: RunOptions, fields: Set<string> | null): boolean {
  const sums = (f: string | undefined) => !!f && (fields ? fields.has(f) : /^[a-z][a-z0-9_]*$/.test(f));
  const measures = spec.measures.every((m) => (m.agg === 'count' && (!m.field || sums(m.field))) || (m.agg === 'sum' && sums(m.field)) || m.agg === 'ratio' || m.agg === 'feel');
  const grain = (d: DimensionDef) => ROLLUP_GRAIN.has(d.field) && !d.bucket;
  const all = [...spec.dimensions, ...(spec.hierarchies ?? []).flatMap((h) => h.levels)];
  const byKey = new Map(all.map((d) => [d.key ?? d.field, d]));
  const filters = [spec.filter, run.filter].every((f) => !f || [...filterKeys(f, new Set<string>())].every((k) => ROLLUP_GRAIN.has(k)));
  const drill = (run.drill ?? []).every((d) => (byKey.has(d.field) ? grain(byKey.get(d.field)!) : ROLLUP_GRAIN.has(d.field)));
  return measures && all.every(grain) && filters && drill;
}

/** The records filter for one value of a dimension: the same grouping expression, as a filter operator. */
export function cellCondition(d: DimensionDef, value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return { [d.field]: null };
  if (d.bucket) return { [d.field]: { $bucket: { unit: d.bucket, value } } };
  if (d.level !== undefined) return { [d.field]: { $orgLevel: { level: d.level, value } } };
  return { [d.field]: value };
}

function defaultMeasureLabel(agg: MeasureDef['agg'], field: string, lang: Lang): string {
  const names: Record<string, [string, string]> = {
    count: ['计数', 'count'], count_distinct: ['去重计数', 'distinct count'], sum: ['合计', 'sum'], avg: ['平均', 'average'], min: ['最小', 'min'], max: ['最大', 'max'],
  };
  const [zh, en] = names[agg] ?? [agg, agg];
  if (!field) return lang === 'en' ? 'Count' : '数量';
  return lang === 'en' ? `${field} (${en})` : `${field}（${zh}）`;
}
