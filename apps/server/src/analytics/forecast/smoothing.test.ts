/** The forecasting methods against results known in closed form, and their intervals against simulation. */
import { describe, expect, it } from '@jest/globals';
import { forecastSeries, holt, holtWinters, mape, seasonalNaive } from './smoothing.js';
import { seededRandom } from '../../insight/ml/random.js';

/** Reproducible uniform and normal draws (the platform's seeded stream, Box–Muller), so the statistical tests repeat. */
function rng(seed: number) {
  const u = seededRandom(seed);
  return { u, normal: () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()) };
}

const SEASON = [5, -3, 8, 2, -6, -1, 4, -4, 7, -2, -5, -5]; // sums to zero
const exact = (t: number) => 1000 + 12.5 * t + SEASON[t % 12]!;

describe('forecasting methods', () => {
  it('Holt-Winters continues a noise-free linear trend plus season exactly, with zero variance', () => {
    const y = Array.from({ length: 36 }, (_, t) => exact(t));
    const f = holtWinters(y, 12);
    const want = Array.from({ length: 15 }, (_, i) => exact(36 + i));
    f.forecast(15).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
    for (const v of f.variance(15)) expect(v).toBeCloseTo(0, 6);
  });

  it('seasonal naive repeats the last season; Holt continues a straight line', () => {
    const y = Array.from({ length: 24 }, (_, t) => SEASON[t % 12]!);
    expect(seasonalNaive(y, 12).forecast(14)).toEqual([...SEASON, SEASON[0], SEASON[1]]);
    expect(seasonalNaive(y, 12).variance(13)).toEqual([...Array(12).fill(0), 0]);
    const line = Array.from({ length: 10 }, (_, t) => 3 + 2 * t);
    holt(line).forecast(3).forEach((v, i) => expect(v).toBeCloseTo(3 + 2 * (10 + i), 9));
  });

  it('seasonal naive variance grows by whole seasons: σ²·(⌊(h−1)/m⌋+1)', () => {
    const y = [1, 2, 3, 4, 3, 2, 5, 4]; // m = 4: one-step seasonal errors 2, 0, 2, 0 → σ² = 2
    expect(seasonalNaive(y, 4).variance(9)).toEqual([2, 2, 2, 2, 4, 4, 4, 4, 6]);
  });

  it('MAPE in percent over the non-zero actuals', () => {
    expect(mape([100, 200], [110, 180])).toBeCloseTo(10, 12);
    expect(mape([0, 50], [3, 25])).toBeCloseTo(50, 12);
    expect(mape([0, 0], [1, 2])).toBeNull();
  });

  it('on a noisy trending seasonal series, Holt-Winters beats seasonal naive in the backtest and is chosen', () => {
    const r = rng(7);
    // A material season (±40 around a trend of 12.5 a month) under noise of σ = 4.
    const y = Array.from({ length: 48 }, (_, t) => 1000 + 12.5 * t + 5 * SEASON[t % 12]! + 4 * r.normal());
    const res = forecastSeries(y, 12, 6);
    const naive = res.candidates.find((c) => c.method === 'seasonal_naive')!;
    const hw = res.candidates.find((c) => c.method === 'holt_winters_additive')!;
    expect(hw.backtestMape!).toBeLessThan(naive.backtestMape!);
    expect(res.method).toBe('holt_winters_additive');
    expect(res.backtestMape).toBe(hw.backtestMape);
    expect(res.points).toHaveLength(6);
    for (const p of res.points) {
      expect(p.lo95).toBeLessThan(p.lo80);
      expect(p.lo80).toBeLessThan(p.value);
      expect(p.value).toBeLessThan(p.hi80);
      expect(p.hi80).toBeLessThan(p.hi95);
    }
  });

  it('keeps seasonal naive when nothing beats it (a pure repeating season)', () => {
    const y = Array.from({ length: 36 }, (_, t) => 100 + SEASON[t % 12]!);
    const res = forecastSeries(y, 12, 12);
    expect(res.backtestMape).toBe(0);
    expect(res.method).toBe('seasonal_naive');
    res.points.forEach((p, i) => expect(p.value).toBe(100 + SEASON[i % 12]!));
  });

  it('one-step 80 % and 95 % intervals cover about 80 % and 95 % of simulated ETS(A,A,A) outcomes', () => {
    const r = rng(2026);
    let in80 = 0;
    let in95 = 0;
    const runs = 80;
    for (let k = 0; k < runs; k++) {
      // Simulate an additive Holt-Winters process with known parameters and σ = 5.
      const [alpha, beta, gamma, sd] = [0.3, 0.1, 0.2, 5];
      let level = 500;
      let trend = 2;
      const season = [...SEASON];
      const y: number[] = [];
      for (let t = 0; t < 61; t++) {
        const e = sd * r.normal();
        const s = season[t % 12]!;
        y.push(level + trend + s + e);
        level = level + trend + alpha * e;
        trend = trend + alpha * beta * e;
        season[t % 12] = s + (1 - alpha) * gamma * e;
      }
      const res = forecastSeries(y.slice(0, 60), 12, 1);
      const p = res.points[0]!;
      const actual = y[60]!;
      if (actual >= p.lo80 && actual <= p.hi80) in80++;
      if (actual >= p.lo95 && actual <= p.hi95) in95++;
    }
    expect(in80 / runs).toBeGreaterThan(0.68);
    expect(in80 / runs).toBeLessThan(0.92);
    expect(in95 / runs).toBeGreaterThan(0.87);
  });

  it('refuses series too short for a method', () => {
    expect(() => holtWinters([1, 2, 3], 12)).toThrow(/at least 14/);
    expect(() => holt([1, 2])).toThrow(/at least 3/);
    expect(() => forecastSeries([1], 12, 3)).toThrow(/at least 2/);
    // Too short to backtest anything but still forecastable: the last values repeated.
    expect(forecastSeries([5, 7], 12, 2).points.map((p) => p.value)).toEqual([5, 7]);
  });
});
