import { describe, it, expect } from '@jest/globals';
import { addDuration, cycle, dueFrom, normalizeDate, TimeValueError } from '../durations.js';

describe('ISO 8601 time values', () => {
  const now = '2026-01-31T10:00:00+08:00';

  it('adds durations in UTC, calendar-aware', () => {
    expect(addDuration(now, 'PT48H')).toBe('2026-02-02T02:00:00.000Z');
    expect(addDuration('2026-01-31T00:00:00Z', 'P1M')).toBe('2026-02-28T00:00:00.000Z');
    expect(() => addDuration(now, '48h')).toThrow(TimeValueError);
  });

  it('reads a due date as a duration from now or as a date-time', () => {
    expect(dueFrom('P2D', now)).toBe('2026-02-02T02:00:00.000Z');
    expect(dueFrom('2026-03-01T09:00:00+08:00', now)).toBe('2026-03-01T01:00:00.000Z');
    expect(() => dueFrom('tomorrow', now)).toThrow(/not an ISO 8601 date-time/);
    expect(normalizeDate('2026-01-05T09:00:00Z')).toBe('2026-01-05T09:00:00.000Z');
  });

  it('reads repeating intervals with and without a start and a count', () => {
    expect(cycle('R3/PT1H', now)).toEqual({ dueAt: '2026-01-31T03:00:00.000Z', repeat: { remaining: 2, interval: 'PT1H' } });
    expect(cycle('R/P1D', now)).toEqual({ dueAt: '2026-02-01T02:00:00.000Z', repeat: { remaining: null, interval: 'P1D' } });
    expect(cycle('R2/2026-02-01T00:00:00Z/PT30M', now)).toEqual({ dueAt: '2026-02-01T00:00:00.000Z', repeat: { remaining: 1, interval: 'PT30M' } });
    for (const bad of ['PT1H', 'R0/PT1H', 'Rx/PT1H', 'R3/soon', 'R3/a/b/c']) expect(() => cycle(bad, now)).toThrow(TimeValueError);
  });
});
