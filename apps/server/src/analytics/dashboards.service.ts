/**
 * Dashboards: saved reports on a grid, versioned like reports, shared with roles. Designing needs the
 * `designer` right; a dashboard is visible to designers and to holders of a role it is shared with. A run
 * answers every widget through the report engine for the caller (their row scope and field modes): a
 * widget whose report the caller may not read answers `{ restricted: true }` and nothing else, a widget
 * whose report fails answers its error, the others their answers. A dashboard filter applies to a widget
 * only when the widget's report object has the field the filter maps to.
 */
import { Injectable } from '@nestjs/common';
import { pickText, type Lang } from '@crm/form-engine';
import { DASHBOARD_FILTER_OPTIONS_MAX, DASHBOARD_MAX_WIDGETS, type DASHBOARD_FILTER_KINDS, type DashboardBody, type DashboardPatchBody, type DashboardRunBody, type DashboardWidgetAnswer } from '@crm/shared';
import type { z } from 'zod';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { translate } from '../common/i18n.js';
import { AuditService } from '../audit/audit.service.js';
import { AccessService } from '../access/access.service.js';
import type { Principal } from '../auth/principal.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { comparableOf, isEncrypted } from '../metadata/field-types.js';
import { SYSTEM_FIELDS } from './report-sources.js';
import { ReportsService, type ReportRunOptions, type StoredReport } from './reports.service.js';
import { fieldTypeOf } from './report-fields.js';
import { ReportSourceRegistry } from './report-source-registry.js';
import { dayBound, dayOf, inclusiveRange, rangeOfDates, relativeRange } from './report-dates.js';
import { dashboardProblem } from './dashboards.messages.js';

type DashboardDefinition = z.infer<typeof DashboardBody>;
type DashboardPatch = z.infer<typeof DashboardPatchBody>;
type DashboardRun = z.infer<typeof DashboardRunBody>;
type DashboardFilterKind = (typeof DASHBOARD_FILTER_KINDS)[number];
export type StoredDashboard = DashboardDefinition & { version: number; updatedAt: string };

interface VersionRow {
  key: string;
  version: number;
  roles: string[];
  definition: DashboardDefinition;
  updated_at: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class DashboardsService {
  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly reports: ReportsService,
    private readonly registry: ReportSourceRegistry,
  ) {}

  private async isDesigner(p: Principal): Promise<boolean> {
    return (await this.access.platformRights(p.roles)).has('designer');
  }

  private async mayView(p: Principal, roles: string[]): Promise<boolean> {
    return roles.some((r) => p.roles.includes(r)) || (await this.isDesigner(p));
  }

  private async latest(key: string, forUpdate = false): Promise<VersionRow | undefined> {
    return this.db.one<VersionRow>(
      `SELECT d.key, v.version, d.roles, v.definition, d.updated_at FROM crm.dashboards d
       JOIN crm.dashboard_versions v ON v.dashboard_key = d.key AND v.version = d.latest_version
       WHERE d.key = $1${forUpdate ? ' FOR UPDATE OF d' : ''}`,
      [key],
    );
  }

  private stored(row: VersionRow): StoredDashboard {
    return { ...row.definition, key: row.key, version: row.version, updatedAt: row.updated_at.toISOString() };
  }

  /**
   * Designers see every dashboard, others those shared with one of their roles; `mine`: only those shared
   * with the caller's roles. In workbench order: by `order` (those without one after), then by key.
   */
  async list(p: Principal, mine: boolean): Promise<Record<string, unknown>[]> {
    const all = !mine && (await this.isDesigner(p));
    const rows = await this.db.query<VersionRow>(
      `SELECT d.key, v.version, d.roles, v.definition, d.updated_at FROM crm.dashboards d
       JOIN crm.dashboard_versions v ON v.dashboard_key = d.key AND v.version = d.latest_version
       WHERE $1 OR d.roles && $2::text[] ORDER BY (v.definition->>'order')::int NULLS LAST, d.key LIMIT 1000`,
      [all, p.roles],
    );
    return rows.map((r) => ({
      key: r.key, name: r.definition.name, ...(r.definition.description ? { description: r.definition.description } : {}),
      roles: r.roles, ...(r.definition.order !== undefined ? { order: r.definition.order } : {}), widgetCount: r.definition.widgets.length, version: r.version, updatedAt: r.updated_at.toISOString(),
    }));
  }

  /** The latest version, to a caller who may see it (404 otherwise: no existence oracle). */
  async get(key: string, p: Principal): Promise<StoredDashboard> {
    const row = await this.latest(key);
    if (!row || !(await this.mayView(p, row.roles))) throw new AppError(404, 'dashboards.not_found', { dashboard: key });
    return this.stored(row);
  }

  /** Widget ids unique, every widget's report saved, filters naming existing widgets, every role existing. */
  async check(def: DashboardDefinition, lang: Lang): Promise<void> {
    const ids = new Set<string>();
    for (const [i, w] of def.widgets.entries()) {
      if (ids.has(w.id)) throw dashboardProblem(`/widgets/${i}/id`, 'duplicate_widget', { 'zh-CN': `重复的组件编号 ${w.id}`, en: `duplicate widget id ${w.id}` });
      ids.add(w.id);
      if (!(await this.reports.definition(w.report))) {
        throw dashboardProblem(`/widgets/${i}/report`, 'unknown_report', { 'zh-CN': `组件 ${w.id} 引用的报表 ${w.report} 不存在`, en: `widget ${w.id}: no such report ${w.report}` });
      }
    }
    const keys = new Set<string>();
    for (const [i, f] of def.filters.entries()) {
      if (keys.has(f.key)) throw dashboardProblem(`/filters/${i}/key`, 'duplicate_filter', { 'zh-CN': `重复的筛选键 ${f.key}`, en: `duplicate filter key ${f.key}` });
      keys.add(f.key);
      for (const w of Object.keys(f.widgets ?? {})) {
        if (!ids.has(w)) throw dashboardProblem(`/filters/${i}/widgets/${w}`, 'unknown_widget', { 'zh-CN': `筛选 ${f.key} 引用的组件 ${w} 不存在`, en: `filter ${f.key}: no widget ${w}` });
      }
    }
    if (def.roles.length) {
      const found = new Set((await this.db.query<{ key: string }>(`SELECT key FROM crm.roles WHERE key = ANY($1::text[])`, [def.roles])).map((r) => r.key));
      const missing = def.roles.filter((r) => !found.has(r));
      if (missing.length) throw dashboardProblem('/roles', 'unknown_role', { 'zh-CN': `角色不存在：${missing.join(', ')}`, en: `no such roles: ${missing.join(', ')}` });
    }
    void lang;
  }

  async create(def: DashboardDefinition, p: Principal | null, lang: Lang): Promise<void> {
    await this.check(def, lang);
    await this.db.tx(async (c) => {
      const roles = [...new Set(def.roles)];
      const inserted = await c.query(`INSERT INTO crm.dashboards (key, latest_version, roles, created_by) VALUES ($1, 1, $2, $3) ON CONFLICT (key) DO NOTHING`, [def.key, roles, p?.id ?? null]);
      if (!inserted.rowCount) throw new AppError(409, 'dashboards.exists', { dashboard: def.key });
      await c.query(`INSERT INTO crm.dashboard_versions (dashboard_key, version, definition, saved_by) VALUES ($1, 1, $2, $3)`, [def.key, JSON.stringify({ ...def, roles }), p?.id ?? null]);
      await this.audit.record({ action: 'dashboard.create', object: 'dashboard', recordId: def.key, data: { version: 1, roles } });
    });
  }

  /** A new version from the latest one and the changes (409 on a stale `version`). */
  async update(key: string, patch: DashboardPatch, p: Principal | null, lang: Lang): Promise<void> {
    await this.db.tx(async (c) => {
      const row = await this.latest(key, true);
      if (!row) throw new AppError(404, 'dashboards.not_found', { dashboard: key });
      const { version, ...changes } = patch;
      if (version !== undefined && version !== row.version) throw new AppError(409, 'dashboards.stale_version', { current: row.version });
      const merged: Record<string, unknown> = { ...row.definition, ...changes, key };
      for (const k of Object.keys(merged)) if (merged[k] === null) delete merged[k];
      const def = merged as DashboardDefinition;
      def.roles = [...new Set(def.roles)];
      await this.check(def, lang);
      const next = row.version + 1;
      await c.query(`INSERT INTO crm.dashboard_versions (dashboard_key, version, definition, saved_by) VALUES ($1, $2, $3, $4)`, [key, next, JSON.stringify(def), p?.id ?? null]);
      await c.query(`UPDATE crm.dashboards SET latest_version = $2, roles = $3, updated_at = now() WHERE key = $1`, [key, next, def.roles]);
      await this.audit.record({ action: 'dashboard.update', object: 'dashboard', recordId: key, data: { version: next, roles: def.roles } });
    });
  }

  async remove(key: string): Promise<void> {
    await this.db.tx(async (c) => {
      const gone = await c.query(`DELETE FROM crm.dashboards WHERE key = $1`, [key]);
      if (!gone.rowCount) throw new AppError(404, 'dashboards.not_found', { dashboard: key });
      await this.audit.record({ action: 'dashboard.delete', object: 'dashboard', recordId: key });
    });
  }

  /** The stored latest definition without an access check (the pack installer compares with it). */
  async definition(key: string): Promise<StoredDashboard | null> {
    const row = await this.latest(key);
    return row ? this.stored(row) : null;
  }

  /**
   * Values the caller may pick for an owner, product or org-unit filter: the filter's field grouped over the
   * rows of every widget whose report the caller may read, in the caller's row scope (the report engine's
   * scope and masking — a field the caller may not group by refuses as it does in a report), labelled as
   * the caller may see them, most frequent first (the count is that of the first widget with the value:
   * counts of different objects do not add up). `q` keeps the values whose label or value contains it.
   */
  async filterOptions(key: string, filterKey: string, q: string | undefined, p: Principal, lang: Lang): Promise<{ items: { value: string; label: string; count: string }[] }> {
    const d = await this.get(key, p);
    const f = d.filters.find((x) => x.key === filterKey);
    if (!f) throw dashboardProblem('/filter', 'unknown_filter', { 'zh-CN': `看板没有筛选 ${filterKey}`, en: `the dashboard has no filter ${filterKey}` });
    if (f.kind === 'date_range') throw dashboardProblem('/filter', 'no_options', { 'zh-CN': '日期范围筛选没有可选值列表', en: 'a date-range filter has no list of values' });
    const sources = new Map<string, { object: string; field: string }>();
    for (const w of d.widgets) {
      const mapped = f.widgets && w.id in f.widgets ? f.widgets[w.id] : f.field;
      if (!mapped) continue;
      const report = await this.reports.get(w.report, p).catch(() => null);
      if (!report || !(await fieldTypeOf(this.meta, report.object, mapped, this.registry))) continue;
      sources.set(`${report.object}|${mapped}`, { object: report.object, field: mapped });
      if (sources.size >= 4) break;
    }
    const needle = q?.trim().toLowerCase() ?? '';
    const merged = new Map<string, { label: string; count: bigint }>();
    for (const src of sources.values()) {
      const answer = await this.reports.execute(
        // With a search the most frequent 2,000 values are searched, otherwise the first 200 are the list.
        { object: src.object, measures: [{ key: 'n', agg: 'count' }], dimensions: [{ field: src.field, key: 'v' }], sort: '-n', limit: needle ? 2000 : DASHBOARD_FILTER_OPTIONS_MAX },
        {},
        p,
        lang,
      );
      const labels = answer.columns.find((c) => c.key === 'v')?.labels ?? {};
      for (const row of answer.rows) {
        if (row.v === null || row.v === undefined) continue;
        const value = String(row.v);
        const label = labels[value] ?? value;
        if (needle && !label.toLowerCase().includes(needle) && !value.toLowerCase().includes(needle)) continue;
        // Counts of different objects do not add up: a value keeps the count of the first widget that has it.
        if (!merged.has(value)) merged.set(value, { label, count: BigInt(String(row.n ?? '0')) });
      }
    }
    const items = [...merged.entries()]
      .sort((a, b) => (a[1].count === b[1].count ? a[1].label.localeCompare(b[1].label, 'zh-CN') : a[1].count > b[1].count ? -1 : 1))
      .slice(0, DASHBOARD_FILTER_OPTIONS_MAX)
      .map(([value, x]) => ({ value, label: x.label, count: x.count.toString() }));
    return { items };
  }

  /**
   * The designer's field picker: for the reports given (a dashboard's widgets), every field and system
   * column of their objects and of the objects one relation away, with the filter kinds it fits and the
   * reports whose object has it — most reports first. Encrypted fields are left out (never grouped or listed).
   */
  async filterFields(reports: string[], kind: DashboardFilterKind | undefined, lang: Lang): Promise<{ items: { field: string; label: string; type: string; kinds: DashboardFilterKind[]; reports: string[] }[] }> {
    const objects = (await this.meta.current()).objects;
    const found = new Map<string, { label: string; type: string; kinds: DashboardFilterKind[]; reports: string[] }>();
    for (const [i, key] of [...new Set(reports)].slice(0, DASHBOARD_MAX_WIDGETS).entries()) {
      const report = await this.reports.definition(key);
      const o = report && objects.get(report.object);
      if (!report || !o) throw dashboardProblem(`/reports/${i}`, 'unknown_report', { 'zh-CN': `报表 ${key} 不存在`, en: `no such report ${key}` });
      const add = (path: string, label: string, type: string) => {
        const kinds = FILTER_KINDS_OF[type];
        if (!kinds || (kind && !kinds.includes(kind))) return;
        const entry = found.get(path) ?? { label, type, kinds, reports: [] };
        entry.reports.push(key);
        found.set(path, entry);
      };
      const fieldsOf = (obj: NonNullable<typeof o>, prefix: string, labelPrefix: string) => {
        for (const [k, s] of Object.entries(SYSTEM_FIELDS)) add(prefix + k, labelPrefix + s.label[lang === 'en' ? 'en' : 'zh-CN'], s.type);
        for (const f of obj.fields) if (!isEncrypted(f)) add(prefix + f.key, labelPrefix + (pickText(f.label, lang) || f.key), f.type);
      };
      fieldsOf(o, '', '');
      for (const f of o.fields) {
        const target = f.type === 'relation' && f.target && !isEncrypted(f) ? objects.get(f.target) : undefined;
        if (target) fieldsOf(target, `${f.key}.`, `${pickText(f.label, lang) || f.key} / `);
      }
    }
    const items = [...found.entries()]
      .map(([field, x]) => ({ field, ...x }))
      .sort((a, b) => b.reports.length - a.reports.length || a.field.split('.').length - b.field.split('.').length || a.field.localeCompare(b.field));
    return { items };
  }

  /** Every widget's answer for the caller. */
  async run(key: string, body: DashboardRun, p: Principal, lang: Lang): Promise<{ dashboard: { key: string; version: number }; widgets: DashboardWidgetAnswer[]; elapsedMs: number }> {
    const started = Date.now();
    const d = await this.get(key, p);
    const values = body.filters ?? {};
    for (const k of Object.keys(values)) {
      if (!d.filters.some((f) => f.key === k)) throw dashboardProblem(`/filters/${k}`, 'unknown_filter', { 'zh-CN': `看板没有筛选 ${k}`, en: `the dashboard has no filter ${k}` });
    }
    const cross = body.crossFilter ?? [];
    for (const [i, x] of cross.entries()) {
      if (!d.widgets.some((w) => w.id === x.widget)) throw dashboardProblem(`/crossFilter/${i}/widget`, 'unknown_widget', { 'zh-CN': `看板没有组件 ${x.widget}`, en: `the dashboard has no widget ${x.widget}` });
    }
    // Definitions of every widget's report (whoever may read them: the run below decides what the caller sees).
    const defs = new Map<string, StoredReport | null>();
    for (const w of d.widgets) if (!defs.has(w.report)) defs.set(w.report, await this.reports.definition(w.report));

    // Cross filters: the source widget's dimension (field path, bucket, level).
    const readable = new Map<string, boolean>();
    const mayRead = async (report: string) => {
      if (!readable.has(report)) readable.set(report, await this.reports.get(report, p).then(() => true, () => false));
      return readable.get(report)!;
    };
    const sources = [];
    for (const [i, x] of cross.entries()) {
      const report = d.widgets.find((w) => w.id === x.widget)!.report;
      // A widget the caller may not read offers no values to pick: its dimensions are as unknown as any other.
      const src = (await mayRead(report)) ? defs.get(report) : null;
      const dim = src?.dimensions.find((dd) => (dd.key ?? dd.field) === x.field);
      if (!dim) throw dashboardProblem(`/crossFilter/${i}/field`, 'unknown_field', { 'zh-CN': `组件 ${x.widget} 没有维度 ${x.field}`, en: `widget ${x.widget} has no dimension ${x.field}` });
      sources.push({ ...x, dim });
    }

    const widgets: DashboardWidgetAnswer[] = [];
    for (const w of d.widgets) {
      const report = defs.get(w.report);
      if (!report) {
        widgets.push({ id: w.id, report: w.report, restricted: true, ...(w.chartType ? { chartType: w.chartType } : {}) });
        continue;
      }
      const filters: Record<string, unknown>[] = [];
      const drill: { field: string; value: string | number | boolean | null }[] = [];
      const opts: ReportRunOptions = {};
      const applied: string[] = [];
      const compare = kpiCompareField(report);
      for (const f of d.filters) {
        const value = values[f.key];
        if (value === undefined || value === null) continue;
        const mapped = f.widgets && w.id in f.widgets ? f.widgets[w.id] : f.field;
        if (!mapped) continue;
        const type = await fieldTypeOf(this.meta, report.object, mapped, this.registry);
        if (!type) continue; // the widget's report has no such field: the filter does not apply to it
        const where = `/filters/${f.key}`;
        if (f.kind === 'date_range') {
          const comparable = comparableOf(type);
          if (comparable !== 'date' && comparable !== 'timestamp') continue;
          if (typeof value !== 'object' || Array.isArray(value)) throw wrongValue(where, f.kind);
          let range;
          if (value.within !== undefined) {
            const r = relativeRange(value.within, new Date());
            if (!r) throw dashboardProblem(`${where}/within`, 'invalid_relative_date', { 'zh-CN': `无效的相对日期 ${value.within}`, en: `not a relative range: ${value.within}` });
            range = r;
          } else {
            if (value.from && value.to && value.from > value.to) throw dashboardProblem(`${where}/to`, 'invalid_range', { 'zh-CN': '开始日期晚于结束日期', en: 'from is after to' });
            range = { from: value.from ? dayOf(value.from) : null, to: value.to ? rangeOfDates(value.to, value.to).to : null };
          }
          if (compare === mapped && range.from && range.to) {
            // A KPI compared over this field: the range is its period (and the previous period follows from it).
            opts.period = inclusiveRange({ from: range.from, to: range.to });
          } else {
            const ts = comparable === 'timestamp';
            const cond: Record<string, string> = {};
            if (range.from) cond.$gte = dayBound(range.from, ts);
            if (range.to) cond.$lt = dayBound(range.to, ts);
            filters.push({ [mapped]: cond });
          }
        } else if (f.kind === 'org_unit') {
          if (type !== 'org_unit' || typeof value !== 'string') {
            if (typeof value !== 'string') throw wrongValue(where, f.kind);
            continue;
          }
          if (!UUID.test(value)) throw dashboardProblem(where, 'invalid_org_unit', { 'zh-CN': '机构编号无效', en: 'not an org unit id' });
          const units = await this.db.query<{ id: string }>(`SELECT id FROM crm.org_units WHERE id = $1 OR $1 = ANY(path) LIMIT 10000`, [value]);
          filters.push({ [mapped]: { $in: units.length ? units.map((u) => u.id) : [value] } });
        } else if (f.kind === 'owner') {
          const list = (Array.isArray(value) ? value : typeof value === 'string' ? [value] : null)?.map((v) => (v === '$me' ? p.id : v));
          if (!list) throw wrongValue(where, f.kind);
          if (type === 'user' && list.some((v) => !UUID.test(v))) throw dashboardProblem(where, 'invalid_user', { 'zh-CN': '用户编号无效', en: 'not a user id' });
          filters.push({ [mapped]: list.length === 1 ? list[0] : { $in: list } });
        } else {
          if (typeof value === 'object' && !Array.isArray(value)) throw wrongValue(where, f.kind);
          filters.push({ [mapped]: Array.isArray(value) ? { $in: value } : value });
        }
        applied.push(f.key);
      }
      let crossApplied = false;
      for (const s of sources) {
        if (s.widget === w.id) continue; // the widget the value was picked in shows it unfiltered
        const same = report.dimensions.find((dd) => dd.field === s.dim.field && dd.bucket === s.dim.bucket && dd.level === s.dim.level);
        if (same) drill.push({ field: same.key ?? same.field, value: s.value });
        else if (!s.dim.bucket && !s.dim.level && (await fieldTypeOf(this.meta, report.object, s.dim.field, this.registry))) drill.push({ field: s.dim.field, value: s.value });
        else continue;
        crossApplied = true;
      }
      if (filters.length) opts.filter = filters.length === 1 ? filters[0] : { $and: filters };
      if (drill.length) opts.drill = drill;
      const chartType = w.chartType ?? report.chart?.type;
      try {
        const { compiled: _c, ...answer } = await this.reports.run(w.report, opts, p, lang);
        const given = { ...(opts.filter ? { filter: opts.filter } : {}), ...(opts.drill ? { drill: opts.drill } : {}) };
        widgets.push({ id: w.id, report: w.report, answer, ...(chartType ? { chartType } : {}), applied: { filters: applied, crossFilter: crossApplied, ...given } });
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        if (err.status === 404 || err.status === 403) {
          widgets.push({ id: w.id, report: w.report, restricted: true, ...(w.chartType ? { chartType: w.chartType } : {}) });
        } else {
          const details = typeof err.details === 'function' ? err.details(lang) : err.details;
          const message = [translate(err.code, lang, err.params), ...(details ?? []).map((x) => x.message)].join(': ');
          widgets.push({ id: w.id, report: w.report, error: { code: err.code, message }, ...(chartType ? { chartType } : {}), applied: { filters: applied, crossFilter: crossApplied } });
        }
      }
    }
    return { dashboard: { key: d.key, version: d.version }, widgets, elapsedMs: Date.now() - started };
  }
}

/** The dashboard filter kinds a field type fits. */
const FILTER_KINDS_OF: Record<string, DashboardFilterKind[]> = {
  date: ['date_range'], datetime: ['date_range'], org_unit: ['org_unit'], user: ['owner'], select: ['product'], relation: ['product'], boolean: ['product'],
};

function kpiCompareField(r: StoredReport): string | null {
  if (r.chart?.type !== 'kpi') return null;
  const compare = r.chart.options?.compare as { field?: unknown } | undefined;
  return typeof compare?.field === 'string' ? compare.field : null;
}

function wrongValue(path: string, kind: string): AppError {
  return dashboardProblem(path, 'invalid_value', {
    'zh-CN': `筛选值与筛选类型 ${kind} 不符`,
    en: `the value does not fit a ${kind} filter (date_range: { from, to } or { within }; org_unit: an id; owner: a user id, "$me" or a list; product: a value or a list)`,
  });
}
