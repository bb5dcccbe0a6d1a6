/**
 * Forecasts of a saved report (`POST /api/reports/:key/forecast`): the report is run for the caller —
 * with their row scope, like any run — and its time series (one time dimension bucketed by month,
 * quarter or year; optionally split by one more dimension, at most MAX_SERIES values) is continued by
 * the method that did best in a backtest on its last periods (forecast/smoothing.ts).
 */
import { Injectable } from '@nestjs/common';
import type { ReportColumn, ReportForecast } from '@crm/shared';
import { z } from 'zod';
import { ReportForecastBody } from '@crm/shared';
import type { Principal } from '../auth/principal.js';
import { AppError } from '../common/app-error.js';
import { registerMessages, type Lang } from '../common/i18n.js';
import { ReportsService } from './reports.service.js';
import { forecastSeries, type ForecastResult } from './forecast/smoothing.js';

registerMessages({
  'reports.forecast_needs_time': { 'zh-CN': '预测需要报表恰有一个按月、季度或年分组的时间维度', en: 'A forecast needs exactly one time dimension bucketed by month, quarter or year' },
  'reports.forecast_too_many_dimensions': { 'zh-CN': '预测的报表除时间外最多再有一个维度', en: 'A forecast report may have at most one dimension besides time' },
  'reports.forecast_unknown_measure': { 'zh-CN': '报表没有度量 {measure}', en: 'The report has no measure {measure}' },
  'reports.forecast_too_short': { 'zh-CN': '历史数据不足：至少需要 {min} 个周期', en: 'Not enough history: at least {min} periods are needed' },
  'reports.forecast_not_additive': { 'zh-CN': '度量 {measure} 不是求和或计数，不能按第二个维度分系列预测', en: 'Measure {measure} is not a sum or a count, so it cannot be forecast per series of a second dimension' },
  'reports.forecast_too_many_series': { 'zh-CN': '预测最多 {max} 个系列，请加筛选条件', en: 'At most {max} series can be forecast; add a filter' },
});

export const MAX_SERIES = 20;
const SEASON: Record<'month' | 'quarter' | 'year', number> = { month: 12, quarter: 4, year: 1 };
type Bucket = keyof typeof SEASON;

/** A period label as a running index and back: `2026-03` (month), `2026-Q1` (quarter), `2026` (year). */
export const periods = {
  index(label: string, bucket: Bucket): number | null {
    const m = bucket === 'month' ? /^(\d{4})-(\d{2})$/.exec(label) : bucket === 'quarter' ? /^(\d{4})-Q([1-4])$/.exec(label) : /^(\d{4})$/.exec(label);
    if (!m) return null;
    const year = Number(m[1]);
    return bucket === 'year' ? year : year * SEASON[bucket] + Number(m[2]) - 1;
  },
  label(index: number, bucket: Bucket): string {
    if (bucket === 'year') return String(index);
    const per = SEASON[bucket];
    const year = Math.floor(index / per);
    const k = (index % per) + 1;
    return bucket === 'month' ? `${year}-${String(k).padStart(2, '0')}` : `${year}-Q${k}`;
  },
};

const fixed = (v: number) => (Object.is(Math.round(v * 100) / 100, -0) ? 0 : Math.round(v * 100) / 100).toFixed(2);

@Injectable()
export class ReportForecasts {
  constructor(private readonly reports: ReportsService) {}

  async forecast(key: string, body: z.infer<typeof ReportForecastBody>, p: Principal, lang: Lang): Promise<ReportForecast> {
    const run = await this.reports.run(key, { filter: body.filter }, p, lang);
    const dims = run.columns.filter((c) => c.role === 'dimension');
    const time = dims.filter((c) => c.bucket === 'month' || c.bucket === 'quarter' || c.bucket === 'year');
    if (time.length !== 1) throw new AppError(400, 'reports.forecast_needs_time');
    const others = dims.filter((c) => c !== time[0]);
    if (others.length > 1) throw new AppError(400, 'reports.forecast_too_many_dimensions');
    const measures = run.columns.filter((c) => c.role === 'measure');
    const measure = body.measure ? measures.find((c) => c.key === body.measure) : measures[0];
    if (!measure) throw new AppError(400, 'reports.forecast_unknown_measure', { measure: body.measure ?? '' });
    const bucket = time[0]!.bucket as Bucket;
    const split = others[0];
    if (split) {
      // The top level is the total of the series: only a sum or a count adds up across them.
      const agg = (await this.reports.get(key, p)).measures.find((x) => x.key === measure.key)?.agg;
      if (agg !== 'sum' && agg !== 'count') throw new AppError(400, 'reports.forecast_not_additive', { measure: measure.key });
    }

    // Series by the split dimension's value (one series without it), each a map period index → value.
    const bySeries = new Map<string | null, Map<number, number>>();
    let first = Infinity;
    let last = -Infinity;
    for (const row of run.rows) {
      const idx = periods.index(String(row[time[0]!.key] ?? ''), bucket);
      const raw = row[measure.key];
      if (idx === null || raw === null || raw === undefined) continue;
      const s = split ? (row[split.key] === null || row[split.key] === undefined ? null : String(row[split.key])) : null;
      const series = bySeries.get(s) ?? new Map<number, number>();
      // A forecast is a statistical estimate: the decimal string becomes a float here, and only here.
      series.set(idx, (series.get(idx) ?? 0) + Number(raw));
      bySeries.set(s, series);
      first = Math.min(first, idx);
      last = Math.max(last, idx);
    }
    if (bySeries.size > MAX_SERIES) throw new AppError(400, 'reports.forecast_too_many_series', { max: MAX_SERIES });
    const length = Number.isFinite(first) ? last - first + 1 : 0;
    if (length < 2) throw new AppError(400, 'reports.forecast_too_short', { min: 2 });
    const m = SEASON[bucket];
    // Periods without rows count zero (no new customers that month), over the whole common range.
    const dense = (s: Map<number, number>) => Array.from({ length }, (_, i) => s.get(first + i) ?? 0);
    const total = Array.from({ length }, () => 0);
    const series = [...bySeries.entries()].map(([k, s]) => {
      const y = dense(s);
      y.forEach((v, i) => (total[i]! += v));
      return { key: k, label: k === null ? '' : labelOf(split, k), y };
    });

    const shape = (y: number[], f: ForecastResult) => ({
      method: f.method,
      backtestMape: f.backtestMape === null ? null : Math.round(f.backtestMape * 100) / 100,
      candidates: f.candidates.map((c) => ({ method: c.method, backtestMape: c.backtestMape === null ? null : Math.round(c.backtestMape * 100) / 100 })),
      history: y.map((v, i) => ({ period: periods.label(first + i, bucket), value: fixed(v) })),
      points: f.points.map((pt, i) => ({
        period: periods.label(last + 1 + i, bucket),
        value: fixed(pt.value), lo80: fixed(pt.lo80), hi80: fixed(pt.hi80), lo95: fixed(pt.lo95), hi95: fixed(pt.hi95),
      })),
    });
    const answer: ReportForecast = {
      report: run.report!,
      measure: measure.key,
      bucket,
      ...shape(total, forecastSeries(total, m, body.horizon)),
    };
    if (split) answer.series = series.map((s) => ({ key: s.key, label: s.label, ...shape(s.y, forecastSeries(s.y, m, body.horizon)) }));
    return answer;
  }
}

function labelOf(col: ReportColumn | undefined, value: string): string {
  return col?.labels?.[value] ?? value;
}
