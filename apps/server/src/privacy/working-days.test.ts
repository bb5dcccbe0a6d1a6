import { describe, expect, it } from '@jest/globals';
import { addWorkingDays, workingDaysBetween } from './working-days.js';
import { evaluateHolds, holdRules } from './retention-policy.js';

describe('working days on the bank calendar', () => {
  const none = new Map<string, boolean>();

  it('counts from the day after receipt, skips weekends, ends at 24:00 China time of the last day', () => {
    // Monday 2026-03-02 10:00 CST → 15 working days: 3 weeks → Monday 2026-03-23, due at its end.
    const due = addWorkingDays(new Date('2026-03-02T02:00:00Z'), 15, none);
    expect(due.toISOString()).toBe('2026-03-23T16:00:00.000Z');
    // A request received late on Friday counts from Monday.
    expect(addWorkingDays(new Date('2026-03-06T15:30:00Z'), 1, none).toISOString()).toBe('2026-03-09T16:00:00.000Z');
  });

  it('skips the holidays the bank enters and works on its working weekend days (调休)', () => {
    // National Day 2026: 10-01..10-07 off, Saturday 10-10 worked.
    const cal = new Map<string, boolean>([
      ...['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'].map((d) => [d, false] as [string, boolean]),
      ['2026-10-10', true],
    ]);
    // Received Wednesday 09-30: working days 10-08 (Thu), 10-09 (Fri), 10-10 (Sat, worked).
    expect(addWorkingDays(new Date('2026-09-30T03:00:00Z'), 3, cal).toISOString()).toBe('2026-10-10T16:00:00.000Z');
    expect(addWorkingDays(new Date('2026-09-30T03:00:00Z'), 3, none).toISOString()).toBe('2026-10-05T16:00:00.000Z');
    expect(workingDaysBetween(new Date('2026-09-30T03:00:00Z'), new Date('2026-10-12T03:00:00Z'), cal)).toBe(4);
  });
});

describe('legal holds', () => {
  const rules = holdRules(5);

  it('keeps an open loan open-ended and accounts while the relationship runs', () => {
    const holds = evaluateHolds(rules, new Map([
      ['holding', [
        { id: 'a', category: 'loan', status: 'active', maturity_date: '2030-01-01', updated_at: '2026-01-01T00:00:00Z' },
        { id: 'b', category: 'deposit', status: 'active', maturity_date: null, updated_at: '2026-01-01T00:00:00Z' },
      ]],
      ['interaction', [{ id: 'c' }]],
    ]));
    expect(holds).toEqual([
      { object: 'holding', id: 'a', reason: 'open_loan', until: null },
      { object: 'holding', id: 'b', reason: 'aml_retention', until: null },
    ]);
  });

  it('keeps accounts five years after the last one closed, and nothing once that has passed', () => {
    const closedRecently = new Date(Date.now() - 30 * 86400_000).toISOString();
    const holds = evaluateHolds(rules, new Map([['holding', [{ id: 'a', category: 'deposit', status: 'closed', maturity_date: null, updated_at: closedRecently }]]]));
    expect(holds).toHaveLength(1);
    expect(holds[0]!.until).toBe(`${Number(closedRecently.slice(0, 4)) + 5}${closedRecently.slice(4, 10)}`);
    expect(evaluateHolds(rules, new Map([['holding', [{ id: 'a', category: 'loan', status: 'closed', maturity_date: '2015-05-01', updated_at: '2015-05-01T00:00:00Z' }]]]))).toEqual([]);
  });
});
