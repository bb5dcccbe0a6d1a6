import { describe, expect, it } from '@jest/globals';
import { upliftOf } from './campaign-stats.js';

describe('uplift against control', () => {
  it('is the difference of rates with the two-proportion 95 % interval', () => {
    // 120/1000 vs 80/1000: d = 0.04, se = sqrt(.12·.88/1000 + .08·.92/1000) = 0.0133866…
    const u = upliftOf(120, 1000, 80, 1000)!;
    expect(u.uplift).toBeCloseTo(0.04, 10);
    expect(u.ci95[0]).toBeCloseTo(0.04 - 1.959964 * 0.0133866, 5);
    expect(u.ci95[1]).toBeCloseTo(0.04 + 1.959964 * 0.0133866, 5);
    expect(u.ci95[0]).toBeGreaterThan(0);
    // Pooled z-test: p = 0.1, se0 = sqrt(.1·.9·(2/1000)) = 0.0134164, z = 2.98142 → two-sided p = 0.002869.
    expect(u.pValue).toBeCloseTo(0.002869, 5);
    expect(u.significant).toBe(true);
  });
  it('has an interval spanning zero when the groups convert alike, and none without a group', () => {
    const u = upliftOf(10, 100, 1, 10)!;
    expect(u.ci95[0]).toBeLessThan(0);
    expect(u.ci95[1]).toBeGreaterThan(0);
    expect(u.significant).toBe(false);
    expect(upliftOf(0, 100, 0, 10)!.pValue).toBe(1);
    expect(upliftOf(5, 10, 0, 0)).toBeNull();
    expect(upliftOf(0, 0, 1, 10)).toBeNull();
  });
});
