/**
 * Reports as versioned metadata: every save is a new immutable version (runs and cache entries name
 * the exact definition). Saving checks the definition against the metadata; running compiles it for
 * the caller — their row scope and field modes — and answers through the cache. Designing needs the
 * `designer` right; reading and running a report needs the read action on its object.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Lang } from '@crm/form-engine';
import { REPORT_MAX_CELLS, ReportKpiCompare, type ReportAnswer, type ReportCellFilterInput, type ReportDefinition, type ReportPatchBody } from '@crm/shared';
import type { z } from 'zod';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { AuditService } from '../audit/audit.service.js';
import { AccessService } from '../access/access.service.js';
import type { Principal } from '../auth/principal.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { ScopedReader, systemRead } from '../records/scoped-reader.js';
import { cellCondition, ReportCompiler, rollupFits, type CompiledReport, type ReportSpec, type RunOptions } from './report-compiler.js';
import { ReportRollups } from './report-rollups.js';
import { ReportCache } from './report-cache.js';
import { ReportDatabase } from './report-database.js';
import { shapeAnswer } from './report-answer.js';
import { reportProblem } from './reports.messages.js';
import { protectReportFilter } from './report-filter-secrets.js';
import type { FieldCrypto } from '../crypto/field-crypto.js';
import { comparableOf } from '../metadata/field-types.js';
import { fieldTypeOf } from './report-fields.js';
import { ReportSourceRegistry } from './report-source-registry.js';
import { dayBound, inclusiveRange, previousRange, rangeOfDates, relativeRange, type DayRange } from './report-dates.js';

/** The field types a source offers as measures (summed or averaged); the others group and filter. */
const MEASURE_TYPES = new Set(['integer', 'decimal', 'money', 'percent']);

type KpiCompare = z.infer<typeof ReportKpiCompare>;
/** A run's options, plus the period a KPI with `compare` is answered for (inclusive dates). */
export type ReportRunOptions = RunOptions & { period?: { from: string; to: string } };

export type StoredReport = ReportDefinition & { version: number; updatedAt: string };
export type RunResult = ReportAnswer & { compiled: CompiledReport };
type ReportPatchInput = z.infer<typeof ReportPatchBody>;

interface VersionRow {
  key: string;
  object_key: string;
  version: number;
  definition: ReportDefinition;
  updated_at: Date;
}

@Injectable()
export class ReportsService {
  private readonly compiler: ReportCompiler;

  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly database: ReportDatabase,
    private readonly cache: ReportCache<Omit<ReportAnswer, 'cached'>>,
    private readonly reader: ScopedReader,
    @Inject('FIELD_CRYPTO') private readonly crypto: FieldCrypto,
    private readonly registry: ReportSourceRegistry,
    private readonly rollups: ReportRollups,
  ) {
    this.compiler = new ReportCompiler(reader, meta, undefined, registry);
  }

  /** Whether a report may name `object`: a metadata object or a registered source (campaign members). */
  private async knownObject(object: string): Promise<boolean> {
    return this.registry.has(object) || (await this.meta.current()).objects.has(object);
  }

  /** A definition must compile against the metadata (any field, any scope: the designer need not read the data). */
  private async check(def: ReportSpec, lang: Lang): Promise<void> {
    if (!(await this.knownObject(def.object))) {
      throw reportProblem('/object', 'unknown_object', { 'zh-CN': `未知对象 ${def.object}`, en: `unknown object ${def.object}` });
    }
    const why = systemRead('report definition check');
    await this.compiler.compile(def, {}, why, lang);
    // Every level of a drill hierarchy, shown below a drill-down on the level above it.
    for (const h of def.hierarchies ?? []) {
      for (const [i, level] of h.levels.entries()) {
        if (i > 0) await this.compiler.compile(def, { drill: [{ field: h.levels[i - 1]!.key ?? h.levels[i - 1]!.field, value: null }] }, why, lang);
        void level;
      }
    }
    const compare = await this.kpiCompare(def);
    if (compare && !relativeRange(compare.within, new Date())) {
      throw reportProblem('/chart/options/compare/within', 'invalid_relative_date', {
        'zh-CN': 'compare.within 需要相对日期，例如 "this month"、"last 30 days"', en: 'compare.within needs a relative range such as "this month", "last 30 days"',
      });
    }
  }

  /** A `kpi` report's comparison settings (checked: a date field of the object), or null. */
  private async kpiCompare(spec: ReportSpec): Promise<(KpiCompare & { timestamp: boolean }) | null> {
    const chart = (spec as { chart?: { type?: string; options?: Record<string, unknown> } }).chart;
    if (chart?.type !== 'kpi' || chart.options?.compare === undefined) return null;
    const parsed = ReportKpiCompare.safeParse(chart.options.compare);
    if (!parsed.success) {
      throw reportProblem('/chart/options/compare', 'invalid_compare', {
        'zh-CN': 'compare 须为 { field, within?, against?: "previous_period" | "same_period_last_year" }',
        en: 'compare is { field, within?, against?: "previous_period" | "same_period_last_year" }',
      });
    }
    const type = await fieldTypeOf(this.meta, spec.object, parsed.data.field, this.registry);
    const comparable = type ? comparableOf(type) : null;
    if (comparable !== 'date' && comparable !== 'timestamp') {
      throw reportProblem('/chart/options/compare/field', 'not_a_date', { 'zh-CN': `${parsed.data.field} 不是日期字段`, en: `${parsed.data.field} is not a date field` });
    }
    return { ...parsed.data, timestamp: comparable === 'timestamp' };
  }

  /** Whether the caller may see a report over `object`: designers, and whoever may read the object. */
  private async mayView(p: Principal, object: string): Promise<boolean> {
    if ((await this.access.platformRights(p.roles)).has('designer')) return true;
    const provider = this.registry.get(object);
    if (provider) return provider.mayRead(p);
    return (await this.access.forObject(p, object)).can('read');
  }

  private async latest(key: string, forUpdate = false): Promise<VersionRow | undefined> {
    return this.db.one<VersionRow>(
      `SELECT r.key, r.object_key, v.version, v.definition, r.updated_at FROM crm.reports r
       JOIN crm.report_versions v ON v.report_key = r.key AND v.version = r.latest_version
       WHERE r.key = $1${forUpdate ? ' FOR UPDATE OF r' : ''}`,
      [key],
    );
  }

  private stored(row: VersionRow): StoredReport {
    return { ...row.definition, key: row.key, version: row.version, updatedAt: row.updated_at.toISOString() };
  }

  /**
   * The registered sources `p` may report on, with their fields (choices filled in, as a run sees them)
   * and each field's fitness: numbers are measures (sum, avg), everything else dimensions and filters.
   */
  async sources(p: Principal): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (const key of this.registry.keys()) {
      const provider = this.registry.get(key)!;
      if (!(await provider.mayRead(p))) continue;
      const { o } = await provider.source(p, [], 'src');
      const fields = o.fields.map((f) => ({ ...f, measure: MEASURE_TYPES.has(f.type), dimension: !MEASURE_TYPES.has(f.type) }));
      out.push({ key, label: o.label, cellRecords: false, fields });
    }
    return out;
  }

  async list(p: Principal): Promise<Record<string, unknown>[]> {
    const rows = await this.db.query<VersionRow>(
      `SELECT r.key, r.object_key, v.version, v.definition, r.updated_at FROM crm.reports r
       JOIN crm.report_versions v ON v.report_key = r.key AND v.version = r.latest_version ORDER BY r.key LIMIT 1000`,
    );
    const out: Record<string, unknown>[] = [];
    for (const r of rows) {
      if (!(await this.mayView(p, r.object_key))) continue;
      out.push({ key: r.key, name: r.definition.name, object: r.object_key, version: r.version, chart: r.definition.chart, updatedAt: r.updated_at.toISOString() });
    }
    return out;
  }

  /** The latest version, to a caller who may see it (404 otherwise: no existence oracle). */
  async get(key: string, p: Principal): Promise<StoredReport> {
    const row = await this.latest(key);
    if (!row || !(await this.mayView(p, row.object_key))) throw new AppError(404, 'reports.not_found', { report: key });
    return this.stored(row);
  }

  /** The definition as stored: checked, its filter's values on encrypted fields kept only as keyed hashes. */
  private async prepare(def: ReportDefinition, lang: Lang): Promise<ReportDefinition> {
    await this.check(def, lang);
    return def.filter ? { ...def, filter: await protectReportFilter(this.meta, this.crypto, def.object, def.filter, this.registry.get(def.object)?.meta()) } : def;
  }

  async create(input: ReportDefinition, p: Principal, lang: Lang): Promise<StoredReport> {
    await this.save(input, p, lang);
    return this.get(input.key, p);
  }

  /** Saves a new report (version 1); `p` null: the platform (a pack install). */
  async save(input: ReportDefinition, p: Principal | null, lang: Lang): Promise<void> {
    const def = await this.prepare(input, lang);
    await this.db.tx(async (c) => {
      const inserted = await c.query(`INSERT INTO crm.reports (key, object_key, latest_version, created_by) VALUES ($1, $2, 1, $3) ON CONFLICT (key) DO NOTHING`, [def.key, def.object, p?.id ?? null]);
      if (!inserted.rowCount) throw new AppError(409, 'reports.exists', { report: def.key });
      await c.query(`INSERT INTO crm.report_versions (report_key, version, definition, saved_by) VALUES ($1, 1, $2, $3)`, [def.key, JSON.stringify(def), p?.id ?? null]);
      await this.audit.record({ action: 'report.create', object: 'report', recordId: def.key, data: { version: 1 } });
    });
  }

  /** A new version from the latest one and the changes; `version`, when sent, must be the latest (409 otherwise). */
  async update(key: string, patch: ReportPatchInput, p: Principal, lang: Lang): Promise<StoredReport> {
    await this.change(key, patch, p, lang);
    return this.get(key, p);
  }

  /** Saves the changes as a new version; `p` null: the platform (a pack install). */
  async change(key: string, patch: ReportPatchInput, p: Principal | null, lang: Lang): Promise<void> {
    await this.db.tx(async (c) => {
      const row = await this.latest(key, true);
      if (!row) throw new AppError(404, 'reports.not_found', { report: key });
      const { version, ...changes } = patch;
      if (version !== undefined && version !== row.version) throw new AppError(409, 'reports.stale_version', { current: row.version });
      if (changes.object !== undefined && changes.object !== row.object_key) {
        throw reportProblem('/object', 'immutable', { 'zh-CN': '报表所属对象不可更改', en: 'a report keeps its object' });
      }
      const merged: Record<string, unknown> = { ...row.definition, ...changes, key };
      for (const k of Object.keys(merged)) if (merged[k] === null) delete merged[k];
      const def = await this.prepare(merged as ReportDefinition, lang);
      const next = row.version + 1;
      await c.query(`INSERT INTO crm.report_versions (report_key, version, definition, saved_by) VALUES ($1, $2, $3, $4)`, [key, next, JSON.stringify(def), p?.id ?? null]);
      await c.query(`UPDATE crm.reports SET latest_version = $2, updated_at = now() WHERE key = $1`, [key, next]);
      await this.audit.record({ action: 'report.update', object: 'report', recordId: key, data: { version: next } });
    });
  }

  async remove(key: string): Promise<void> {
    await this.db.tx(async (c) => {
      const gone = await c.query(`DELETE FROM crm.reports WHERE key = $1`, [key]);
      if (!gone.rowCount) throw new AppError(404, 'reports.not_found', { report: key });
      await this.audit.record({ action: 'report.delete', object: 'report', recordId: key });
    });
  }

  /** Runs the latest version of a saved report for the caller. */
  async run(key: string, opts: ReportRunOptions, p: Principal, lang: Lang): Promise<RunResult> {
    const report = await this.get(key, p);
    const answer = await this.execute(report, opts, p, lang);
    return { ...answer, report: { key, version: report.version } };
  }

  /**
   * The records list filter of the rows behind one cell of the caller's answer: the report's filter and
   * the run's (relative dates resolved), the drill-down and the cell's dimension values, each in the same
   * grouping expression as the report's (`$bucket`, `$orgLevel`, relation paths). Listing the records with
   * it, as the same caller, gives as many rows as the cell counts.
   */
  async cellFilter(key: string, body: ReportCellFilterInput, p: Principal, lang: Lang): Promise<{ object: string; filter: Record<string, unknown> }> {
    const report = await this.get(key, p);
    // A registered source's rows (campaign members) are no records list.
    if (this.registry.has(report.object)) throw new AppError(422, 'reports.not_listable', { object: report.object });
    const compiled = await this.compiler.compile(report, { filter: body.filter, drill: body.drill }, p, lang);
    const parts = [...compiled.recordFilters];
    for (const [k, v] of Object.entries(body.cell)) {
      const def = compiled.dimensions.get(k);
      if (!def) throw reportProblem(`/cell/${k}`, 'unknown_dimension', { 'zh-CN': `答案中没有维度 ${k}`, en: `the answer has no dimension ${k}` });
      parts.push(cellCondition(def, v));
    }
    if (body.measure !== undefined) {
      const m = report.measures.find((x) => x.key === body.measure);
      if (!m) throw reportProblem('/measure', 'unknown_measure', { 'zh-CN': `报表没有指标 ${body.measure}`, en: `the report has no measure ${body.measure}` });
      // A count of a field counts the rows where it is set.
      if ((m.agg === 'count' || m.agg === 'count_distinct') && m.field) parts.push({ [m.field]: { $null: false } });
    }
    const kept = await this.deepestOrgLevels(parts);
    const filter = kept.length === 0 ? {} : kept.length === 1 ? kept[0]! : { $and: kept };
    try {
      await this.reader.checkFilter(report.object, filter, p);
    } catch (err) {
      if (!(err instanceof AppError) || err.status !== 400) throw err;
      throw new AppError(422, 'reports.not_listable', {}, err.details);
    }
    return { object: report.object, filter };
  }

  /**
   * A drill-down names every level it went through (branch, sub-branch, team of one org-unit field); the
   * deepest unit implies the levels above it, so their conditions are dropped when they agree with its
   * path (a drill that disagrees keeps them all: its list stays empty, like its cell). One nested
   * condition instead of three lets the planner estimate the rows (each `IN (units …)` it took for a
   * fraction of the last, so a manager's 72,000 customers looked like one row and were sorted whole).
   */
  private async deepestOrgLevels(parts: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    const levels = parts.map(orgLevelOf);
    const deepest = new Map<string, number>();
    levels.forEach((l, i) => {
      if (l && l.level > (levels[deepest.get(l.field) ?? -1]?.level ?? 0)) deepest.set(l.field, i);
    });
    const implied = new Set<number>();
    for (const [field, at] of deepest) {
      const d = levels[at]!;
      if (!UUID.test(d.value)) continue;
      const unit = await this.db.one<{ path: string[] }>(`SELECT path::text[] AS path FROM crm.org_units WHERE id = $1::uuid`, [d.value]);
      if (!unit) continue;
      const same = levels.flatMap((l, i) => (l && l.field === field && i !== at ? [{ l, i }] : []));
      if (!same.every(({ l }) => l.level <= d.level && unit.path[l.level - 1] === l.value)) continue;
      same.forEach(({ i }) => implied.add(i));
    }
    return parts.filter((_, i) => !implied.has(i));
  }

  /** The stored latest version whoever asks (for dashboards: which fields a widget's report has); null when there is none. */
  async definition(key: string): Promise<StoredReport | null> {
    const row = await this.latest(key);
    return row ? this.stored(row) : null;
  }

  /**
   * Runs a definition for the caller. A `kpi` report with `chart.options.compare` is run for its period
   * and for the previous one, and answers both values and the change of each measure.
   */
  async execute(spec: ReportSpec, opts: ReportRunOptions, p: Principal, lang: Lang): Promise<RunResult> {
    const { period, ...rest } = opts;
    const compare = await this.kpiCompare(spec);
    if (!compare) return this.executeOnce(spec, rest, p, lang);
    const range = period ? rangeOfDates(period.from, period.to) : relativeRange(compare.within, new Date());
    if (!range) {
      throw reportProblem('/chart/options/compare/within', 'invalid_relative_date', { 'zh-CN': `无效的相对日期 ${compare.within}`, en: `not a relative range: ${compare.within}` });
    }
    const previous = previousRange(range, compare.against);
    const within = (r: DayRange): RunOptions => {
      const bound = { [compare.field]: { $gte: dayBound(r.from, compare.timestamp), $lt: dayBound(r.to, compare.timestamp) } };
      return { ...rest, filter: rest.filter ? { $and: [rest.filter, bound] } : bound };
    };
    const now = await this.executeOnce(spec, within(range), p, lang);
    const before = await this.executeOnce(spec, within(previous), p, lang);
    const measures = [];
    for (const m of spec.measures) {
      const value = kpiValue(now, m.key);
      const prev = kpiValue(before, m.key);
      // Exact decimal arithmetic: in SQL numeric, never JS floats.
      const change = value === null || prev === null ? null
        : ((await this.db.one<{ c: string | null }>(`SELECT round(($1::numeric - $2::numeric) / NULLIF($2::numeric, 0), 4)::text AS c`, [value, prev]))?.c ?? null);
      measures.push({ key: m.key, value, previous: prev, change });
    }
    return {
      ...now,
      cached: now.cached && before.cached,
      comparison: { field: compare.field, against: compare.against, period: inclusiveRange(range), previousPeriod: inclusiveRange(previous), measures },
    };
  }

  /** Compiles for the caller, answers through the cache; a masked value shown in clear is audited. */
  private async executeOnce(spec: ReportSpec, opts: RunOptions, p: Principal, lang: Lang): Promise<RunResult> {
    if (!(await this.knownObject(spec.object))) {
      throw reportProblem('/object', 'unknown_object', { 'zh-CN': `未知对象 ${spec.object}`, en: `unknown object ${spec.object}` });
    }
    // A report a rollup can answer reads it (made on first use) when the caller's scope allows; a
    // registered source (no record table) has none.
    const rollup = !this.registry.has(spec.object) && rollupFits(spec, opts, null) ? await this.rollups.ensure(spec.object) : null;
    const compiled = await this.compiler.compile(spec, opts, p, lang, rollup);
    const key = ReportCache.key([lang, compiled.sql, compiled.params]);
    let current = true;
    // A registered source's tables do not announce their changes: its answers are not cached.
    const through: typeof this.cache.through = this.registry.has(spec.object) ? async (_k, _o, compute) => ({ value: await compute(), cached: false }) : (...a) => this.cache.through(...a);
    const { value, cached } = await through(
      key,
      compiled.objects,
      async () => {
        const run = await this.database.run(compiled.sql, compiled.params);
        current = run.current;
        if (run.rows.length > compiled.maxRows) throw new AppError(422, 'reports.too_many_cells', { max: REPORT_MAX_CELLS });
        const hierarchies = compiled.hierarchies.length ? { hierarchies: compiled.hierarchies } : {};
        return { ...(await shapeAnswer(compiled, run.rows, this.db)), ...hierarchies, elapsedMs: run.elapsedMs, source: run.source };
      },
      // A replica answer that may miss a change already heard is answered, not kept.
      () => current,
    );
    if (compiled.unmasked.length) {
      await this.audit.record({ action: 'record.read_unmasked', object: spec.object, data: { report: (spec as { key?: string }).key ?? null, fields: compiled.unmasked } });
    }
    return { ...value, cached, compiled };
  }
}

/** A KPI's value of one measure: its only row without dimensions, else the grand total; as a decimal string. */
function kpiValue(a: ReportAnswer, key: string): string | null {
  const dims = a.columns.filter((c) => c.role === 'dimension').length;
  const row = dims === 0 ? a.rows[0] : a.totals?.find((t) => Array.isArray(t.$collapsed) && (t.$collapsed as unknown[]).length === dims);
  const v = row?.[key];
  return v === null || v === undefined ? null : String(v);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `{ field: { $orgLevel: { level, value } } }` with a unit as its value, else null. */
function orgLevelOf(part: Record<string, unknown>): { field: string; level: number; value: string } | null {
  const keys = Object.keys(part);
  if (keys.length !== 1 || keys[0]!.startsWith('$')) return null;
  const cond = part[keys[0]!];
  if (!cond || typeof cond !== 'object' || Object.keys(cond).length !== 1) return null;
  const op = (cond as Record<string, unknown>).$orgLevel as { level?: unknown; value?: unknown } | undefined;
  if (!op || typeof op.level !== 'number' || typeof op.value !== 'string') return null;
  return { field: keys[0]!, level: op.level, value: op.value };
}
