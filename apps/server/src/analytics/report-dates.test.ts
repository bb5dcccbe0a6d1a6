/** Relative date ranges are Beijing days, whatever the server's clock zone: the clock is passed in. */
import { describe, expect, it } from '@jest/globals';
import { dayBound, inclusiveRange, previousRange, rangeOfDates, relativeRange } from './report-dates.js';

const at = (iso: string) => new Date(iso);
const range = (phrase: string, now: string) => {
  const r = relativeRange(phrase, at(now));
  return r && [r.from.toISOString().slice(0, 10), r.to.toISOString().slice(0, 10)];
};

describe('relative date ranges', () => {
  it('counts days in Beijing time: 23:30 UTC is already the next day', () => {
    expect(range('today', '2026-03-31T23:30:00Z')).toEqual(['2026-04-01', '2026-04-02']);
    expect(range('today', '2026-03-31T15:59:59Z')).toEqual(['2026-03-31', '2026-04-01']);
    expect(range('yesterday', '2026-03-01T01:00:00Z')).toEqual(['2026-02-28', '2026-03-01']);
  });

  it('takes the last N units up to and including today', () => {
    expect(range('last 30 days', '2026-03-31T04:00:00Z')).toEqual(['2026-03-02', '2026-04-01']);
    expect(range('Last  7 Days', '2026-01-03T04:00:00Z')).toEqual(['2025-12-28', '2026-01-04']);
    expect(range('last 3 months', '2026-05-31T04:00:00Z')).toEqual(['2026-03-01', '2026-06-01']);
  });

  it('knows whole periods: this and last week (ISO, Monday), month, quarter and year, and periods to date', () => {
    expect(range('this week', '2026-03-05T04:00:00Z')).toEqual(['2026-03-02', '2026-03-09']); // a Thursday
    expect(range('last week', '2026-03-05T04:00:00Z')).toEqual(['2026-02-23', '2026-03-02']);
    expect(range('this month', '2026-02-14T04:00:00Z')).toEqual(['2026-02-01', '2026-03-01']);
    expect(range('this quarter', '2026-05-14T04:00:00Z')).toEqual(['2026-04-01', '2026-07-01']);
    expect(range('last quarter', '2026-02-14T04:00:00Z')).toEqual(['2025-10-01', '2026-01-01']);
    expect(range('this year', '2026-02-14T04:00:00Z')).toEqual(['2026-01-01', '2027-01-01']);
    expect(range('last year', '2026-02-14T04:00:00Z')).toEqual(['2025-01-01', '2026-01-01']);
    expect(range('quarter to date', '2026-05-14T04:00:00Z')).toEqual(['2026-04-01', '2026-05-15']);
  });

  it('shifts any range by a year for "… last year", and "same period last year" is last year to the same day', () => {
    expect(range('this quarter last year', '2026-05-14T04:00:00Z')).toEqual(['2025-04-01', '2025-07-01']);
    expect(range('same period last year', '2026-05-14T04:00:00Z')).toEqual(['2025-01-01', '2025-05-15']);
    expect(range('last 30 days last year', '2026-03-31T04:00:00Z')).toEqual(['2025-03-02', '2025-04-01']);
    // 29 February a year back is the last day of February.
    expect(range('today last year', '2028-02-29T04:00:00Z')).toEqual(['2027-02-28', '2027-03-01']);
  });

  it('refuses anything else', () => {
    for (const p of ['', 'last', 'last 0x10 days', 'next week', 'last 99999 days', 'this decade', "today'; --"]) expect(relativeRange(p, at('2026-03-01T00:00:00Z'))).toBeNull();
  });

  it('writes bounds as dates, or as Beijing midnight for date-times', () => {
    const r = relativeRange('today', at('2026-03-31T23:30:00Z'))!;
    expect(dayBound(r.from, false)).toBe('2026-04-01');
    expect(dayBound(r.from, true)).toBe('2026-04-01T00:00:00+08:00');
  });
});

describe('the period a KPI compares with', () => {
  const prev = (from: string, to: string, against: 'previous_period' | 'same_period_last_year' = 'previous_period') => inclusiveRange(previousRange(rangeOfDates(from, to), against));

  it('takes whole calendar months back by months, whatever their lengths', () => {
    expect(prev('2026-03-01', '2026-03-31')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(prev('2026-01-01', '2026-03-31')).toEqual({ from: '2025-10-01', to: '2025-12-31' });
    expect(prev('2024-03-01', '2024-03-31')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
  });

  it('takes any other range back by its number of days', () => {
    expect(prev('2026-03-10', '2026-03-19')).toEqual({ from: '2026-02-28', to: '2026-03-09' });
    expect(prev('2026-03-05', '2026-03-05')).toEqual({ from: '2026-03-04', to: '2026-03-04' });
  });

  it('or the same period a year earlier (29 February becomes the 28th)', () => {
    expect(prev('2026-01-01', '2026-06-30', 'same_period_last_year')).toEqual({ from: '2025-01-01', to: '2025-06-30' });
    expect(prev('2024-02-29', '2024-02-29', 'same_period_last_year')).toEqual({ from: '2023-02-28', to: '2023-02-28' });
  });
});
