/**
 * Dates in reports are Beijing time (UTC+8, no daylight saving): date buckets of date-time columns and
 * relative date ranges (`last 30 days`, `this quarter`, `same period last year`). A range becomes two
 * plain bounds `[from, to)` that the records filter compiler binds like any other value.
 */

export { bucketSql, type Bucket } from '../records/date-buckets.js';

const BEIJING_OFFSET_MS = 8 * 3600_000;

/** A calendar day (UTC fields hold the Beijing date). */
type Day = Date;

function beijingToday(now: Date): Day {
  const local = new Date(now.getTime() + BEIJING_OFFSET_MS);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()));
}

const addDays = (d: Day, n: number): Day => new Date(d.getTime() + n * 86_400_000);
function addMonths(d: Day, n: number): Day {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + n;
  const target = new Date(Date.UTC(y, m, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(d.getUTCDate(), last)));
}

type Unit = 'day' | 'week' | 'month' | 'quarter' | 'year';

function startOf(d: Day, unit: Unit): Day {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (unit === 'day') return d;
  if (unit === 'week') return addDays(d, -((d.getUTCDay() + 6) % 7)); // ISO weeks start on Monday
  if (unit === 'month') return new Date(Date.UTC(y, m, 1));
  if (unit === 'quarter') return new Date(Date.UTC(y, m - (m % 3), 1));
  return new Date(Date.UTC(y, 0, 1));
}

function add(d: Day, unit: Unit, n: number): Day {
  if (unit === 'day') return addDays(d, n);
  if (unit === 'week') return addDays(d, 7 * n);
  return addMonths(d, unit === 'month' ? n : unit === 'quarter' ? 3 * n : 12 * n);
}

export interface DayRange {
  from: Day;
  /** Exclusive. */
  to: Day;
}

const UNIT = '(day|week|month|quarter|year)s?';
const PHRASES: [RegExp, (m: RegExpMatchArray, today: Day) => DayRange][] = [
  [/^today$/, (_, t) => ({ from: t, to: addDays(t, 1) })],
  [/^yesterday$/, (_, t) => ({ from: addDays(t, -1), to: t })],
  // The last N units up to and including today: `last 30 days` is today and the 29 days before it.
  [new RegExp(`^last (\\d{1,4}) ${UNIT}$`), (m, t) => ({ from: add(addDays(t, 1), m[2] as Unit, -Number(m[1])), to: addDays(t, 1) })],
  [new RegExp(`^this ${UNIT}$`), (m, t) => {
    const from = startOf(t, m[1] as Unit);
    return { from, to: add(from, m[1] as Unit, 1) };
  }],
  [new RegExp(`^last ${UNIT}$`), (m, t) => {
    const to = startOf(t, m[1] as Unit);
    return { from: add(to, m[1] as Unit, -1), to };
  }],
  [new RegExp(`^${UNIT} to date$`), (m, t) => ({ from: startOf(t, m[1] as Unit), to: addDays(t, 1) })],
];

/**
 * The `[from, to)` days of a relative range, or null when the phrase is not one: `today`, `yesterday`,
 * `last N days|weeks|months|quarters|years`, `this|last week|month|quarter|year`, `month|quarter|year to date`;
 * any of them followed by `last year` is the same period a year earlier, and `same period last year`
 * alone is the year to date a year earlier.
 */
export function relativeRange(phrase: string, now: Date): DayRange | null {
  let p = phrase.trim().toLowerCase().replace(/\s+/g, ' ');
  if (p === 'same period last year') p = 'year to date last year';
  const shifted = p.endsWith(' last year') && p !== 'last year';
  if (shifted) p = p.slice(0, -' last year'.length);
  const today = beijingToday(now);
  for (const [re, range] of PHRASES) {
    const m = p.match(re);
    if (!m) continue;
    const r = range(m, today);
    return shifted ? { from: addMonths(r.from, -12), to: addMonths(r.to, -12) } : r;
  }
  return null;
}

/** A day as a filter bound: `YYYY-MM-DD` for date columns, the Beijing midnight with its offset for date-times. */
export function dayBound(d: Day, timestamp: boolean): string {
  const day = d.toISOString().slice(0, 10);
  return timestamp ? `${day}T00:00:00+08:00` : day;
}

/** A `YYYY-MM-DD` date as a day. */
export function dayOf(iso: string): Day {
  return new Date(`${iso}T00:00:00Z`);
}

/** The last day of a `[from, to)` range, inclusive, as `YYYY-MM-DD`. */
export function inclusiveRange(r: DayRange): { from: string; to: string } {
  return { from: r.from.toISOString().slice(0, 10), to: addDays(r.to, -1).toISOString().slice(0, 10) };
}

/** `[from, to]` inclusive dates as a `[from, to)` range. */
export function rangeOfDates(from: string, to: string): DayRange {
  return { from: dayOf(from), to: addDays(dayOf(to), 1) };
}

/**
 * The period a KPI compares with: the same period a year earlier, or the one just before it of the same
 * length — whole calendar months (from and to on the 1st) by months, anything else by days.
 */
export function previousRange(r: DayRange, against: 'previous_period' | 'same_period_last_year'): DayRange {
  if (against === 'same_period_last_year') return { from: addMonths(r.from, -12), to: addMonths(r.to, -12) };
  if (r.from.getUTCDate() === 1 && r.to.getUTCDate() === 1) {
    const months = (r.to.getUTCFullYear() - r.from.getUTCFullYear()) * 12 + r.to.getUTCMonth() - r.from.getUTCMonth();
    return { from: addMonths(r.from, -months), to: r.from };
  }
  const days = Math.round((r.to.getTime() - r.from.getTime()) / 86_400_000);
  return { from: addDays(r.from, -days), to: r.from };
}
