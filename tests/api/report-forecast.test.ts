/**
 * Report forecasts against the real server: a seasonal monthly series continued by the method its
 * backtest chose (Holt-Winters beats seasonal naive on a trending season), history exactly the
 * report's own sums, the caller's row scope inside the history (a customer manager forecasts only
 * their team's rows), one series per value of a second dimension, and every refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ReportForecast } from '@crm/shared';
import { startServer, type TestServer } from '../harness/server.js';
import { withClient } from '../harness/db.js';
import { setupWorld, type World } from './access-setup.js';

let srv: TestServer;
let w: World;
const SEASON = [120, -60, 150, 40, -110, -20, 80, -90, 140, -40, -100, -110];
const month = (t: number) => `${2023 + Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
/** A deterministic wobble (no randomness in a test's data). */
const wobble = (t: number) => ((t * 37) % 11) - 5;

beforeAll(async () => {
  srv = await startServer();
  w = await setupWorld(srv);
  for (const f of [
    { key: 'booked', label: { 'zh-CN': '入账日期', en: 'Booked' }, type: 'date' },
    { key: 'amount', label: { 'zh-CN': '金额', en: 'Amount' }, type: 'money' },
    { key: 'region', label: { 'zh-CN': '区域', en: 'Region' }, type: 'select', options: { choices: [{ value: 'east', label: { 'zh-CN': '华东', en: 'East' } }, { value: 'west', label: { 'zh-CN': '华西', en: 'West' } }] } },
  ]) expect((await w.c.analyst.post('/api/meta/objects/client/fields', f)).status).toBe(201);
  // 36 months: rm's team books the east series, rm_hz (another branch) the west one.
  for (let t = 0; t < 36; t++) {
    const east = (1000 + 20 * t + SEASON[t % 12]! + wobble(t)).toFixed(2);
    const west = (600 + 5 * t + SEASON[t % 12]! / 2 + wobble(t + 3)).toFixed(2);
    const [a, b] = await Promise.all([
      w.c.rm.post('/api/records/client', { name: `东${t}`, booked: `${month(t)}-15`, amount: east, region: 'east' }),
      w.c.rm_hz!.post('/api/records/client', { name: `西${t}`, booked: `${month(t)}-10`, amount: west, region: 'west' }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
  }
  const reports = [
    { key: 'monthly_amount', name: '月度金额', object: 'client', measures: [{ key: 'amount', agg: 'sum', field: 'amount' }, { key: 'avg_amount', agg: 'avg', field: 'amount' }], dimensions: [{ field: 'booked', bucket: 'month' }], chart: { type: 'line' } },
    { key: 'monthly_by_region', name: '区域月度金额', object: 'client', measures: [{ key: 'amount', agg: 'sum', field: 'amount' }, { key: 'avg_amount', agg: 'avg', field: 'amount' }], dimensions: [{ field: 'booked', bucket: 'month' }, { field: 'region' }], chart: { type: 'line' } },
    { key: 'by_region', name: '区域金额', object: 'client', measures: [{ key: 'amount', agg: 'sum', field: 'amount' }], dimensions: [{ field: 'region' }], chart: { type: 'bar' } },
  ];
  for (const r of reports) expect((await w.c.analyst.post('/api/reports', r)).status).toBe(201);
}, 180000);
afterAll(async () => {
  await srv?.stop();
});

/** Monthly sums straight from SQL, as decimal strings (the report's own history must equal them). */
async function sqlMonthly(region?: string): Promise<{ period: string; value: string }[]> {
  return withClient(srv.dbUrl, async (c) => (await c.query<{ period: string; value: string }>(
    `SELECT to_char(booked, 'YYYY-MM') AS period, sum(amount)::text AS value FROM crm_data.client
     WHERE deleted_at IS NULL AND amount IS NOT NULL AND ($1::text IS NULL OR region = $1) GROUP BY 1 ORDER BY 1`, [region ?? null])).rows);
}

function expectWellFormed(f: Pick<ReportForecast, 'points' | 'history'>, horizon: number, after: string) {
  expect(f.points).toHaveLength(horizon);
  expect(f.points[0]!.period > after).toBe(true);
  for (const p of f.points) {
    for (const v of [p.value, p.lo80, p.hi80, p.lo95, p.hi95]) expect(v).toMatch(/^-?\d+\.\d{2}$/);
    expect(Number(p.lo95)).toBeLessThanOrEqual(Number(p.lo80));
    expect(Number(p.lo80)).toBeLessThanOrEqual(Number(p.value));
    expect(Number(p.value)).toBeLessThanOrEqual(Number(p.hi80));
    expect(Number(p.hi80)).toBeLessThanOrEqual(Number(p.hi95));
  }
}

describe('report forecast', () => {
  it('continues the monthly series with the method that beat seasonal naive in the backtest, on exactly the report\'s history', async () => {
    const f = await w.c.compliance.api.reports.forecast('monthly_amount', { horizon: 6 });
    expect(f).toMatchObject({ report: { key: 'monthly_amount', version: 1 }, measure: 'amount', bucket: 'month' });
    expect(f.history).toEqual(await sqlMonthly());
    expect(f.points.map((p) => p.period)).toEqual(['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06']);
    expectWellFormed(f, 6, '2025-12');
    const naive = f.candidates.find((c) => c.method === 'seasonal_naive')!;
    expect(f.method).toBe('holt_winters_additive');
    expect(f.backtestMape!).toBeLessThan(naive.backtestMape!);
    // The trend and the season carry on: January 2026 lies near 36 months of growth past January 2023.
    const jan = (1000 + 20 * 36 + SEASON[0]!) + (600 + 5 * 36 + SEASON[0]! / 2);
    expect(Math.abs(Number(f.points[0]!.value) - jan) / jan).toBeLessThan(0.05);
  });

  it('forecasts only the rows the caller may read: a customer manager\'s history is their team\'s', async () => {
    const mine = await w.c.rm.api.reports.forecast('monthly_amount', { horizon: 3 });
    expect(mine.history).toEqual(await sqlMonthly('east'));
    const theirs = await w.c.rm_hz!.api.reports.forecast('monthly_amount', { horizon: 3 });
    expect(theirs.history).toEqual(await sqlMonthly('west'));
  });

  it('splits by a second dimension into one labelled forecast per value, the top level being their total', async () => {
    const f = await w.c.compliance.api.reports.forecast('monthly_by_region', { horizon: 4 });
    expect(f.series!.map((s) => [s.key, s.label])).toEqual(expect.arrayContaining([['east', '华东'], ['west', '华西']]));
    expect(f.series!.find((s) => s.key === 'east')!.history).toEqual(await sqlMonthly('east'));
    expect(f.history).toEqual(await sqlMonthly());
    for (const s of f.series!) expectWellFormed(s, 4, '2025-12');
    // A filter narrows the series like a run's filter does.
    const east = await w.c.compliance.api.reports.forecast('monthly_by_region', { horizon: 2, filter: { region: 'east' } });
    expect(east.series!.map((s) => s.key)).toEqual(['east']);
  });

  it('refuses what cannot be forecast, with the reason', async () => {
    const cases: [string, unknown, number, string][] = [
      ['by_region', { horizon: 3 }, 400, 'reports.forecast_needs_time'],
      ['monthly_by_region', { horizon: 3, measure: 'avg_amount' }, 400, 'reports.forecast_not_additive'],
      ['monthly_amount', { horizon: 3, measure: 'nope' }, 400, 'reports.forecast_unknown_measure'],
      ['monthly_amount', { horizon: 3, filter: { booked: { $gte: '2025-12-01' } } }, 400, 'reports.forecast_too_short'],
      ['monthly_amount', { horizon: 0 }, 400, 'common.validation_failed'],
      ['monthly_amount', { horizon: 37 }, 400, 'common.validation_failed'],
      ['monthly_amount', { horizon: 3, extra: 1 }, 400, 'common.validation_failed'],
      ['no_such_report', { horizon: 3 }, 404, 'reports.not_found'],
    ];
    for (const [key, body, status, code] of cases) {
      const r = await w.c.compliance.post(`/api/reports/${key}/forecast`, body);
      expect([key, r.status, r.body.error?.code]).toEqual([key, status, code]);
      expect(JSON.stringify(r.body)).not.toMatch(/at .*\.js|stack/i);
    }
    // A role that may not read the object gets what a run gets.
    const run = await w.c.auditor.post('/api/reports/monthly_amount/run', {});
    const forecast = await w.c.auditor.post('/api/reports/monthly_amount/forecast', { horizon: 3 });
    expect(forecast.status).toBe(run.status);
    expect(forecast.status).toBeGreaterThanOrEqual(400);
  });
});
