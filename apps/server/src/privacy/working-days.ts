/**
 * Working-day arithmetic for statutory deadlines, on the bank's holiday calendar: a weekday is a working
 * day unless the calendar names it a holiday; a weekend day is not, unless the calendar names it a
 * working day (调休). Days are counted in China Standard Time from the day after receipt, and the
 * deadline is the end of the last working day. Dates through dayjs (utc + timezone), never by hand.
 */
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import timezone from 'dayjs/plugin/timezone.js';

dayjs.extend(utc);
dayjs.extend(timezone);

export const BANK_TZ = 'Asia/Shanghai';

/** The calendar's exceptions: day (YYYY-MM-DD) → true for a working day, false for a holiday. */
export type Calendar = ReadonlyMap<string, boolean>;

export function isWorkingDay(day: dayjs.Dayjs, calendar: Calendar): boolean {
  const set = calendar.get(day.format('YYYY-MM-DD'));
  if (set !== undefined) return set;
  const dow = day.day();
  return dow !== 0 && dow !== 6;
}

/** The end (exclusive, 24:00 local) of the `n`th working day after `from`'s local day. */
export function addWorkingDays(from: Date, n: number, calendar: Calendar): Date {
  let day = dayjs(from).tz(BANK_TZ).startOf('day');
  let left = n;
  // A calendar cannot hold a year without a working day; the bound only guards bad data.
  for (let guard = 0; left > 0 && guard < 3660; guard++) {
    day = day.add(1, 'day');
    if (isWorkingDay(day, calendar)) left--;
  }
  return day.add(1, 'day').toDate();
}

/** Whole working days from `from` to `to` (the answer time of a request, for the DPO's report). */
export function workingDaysBetween(from: Date, to: Date, calendar: Calendar): number {
  let day = dayjs(from).tz(BANK_TZ).startOf('day');
  const end = dayjs(to).tz(BANK_TZ).startOf('day');
  let n = 0;
  for (let guard = 0; day.isBefore(end) && guard < 3660; guard++) {
    day = day.add(1, 'day');
    if (isWorkingDay(day, calendar)) n++;
  }
  return n;
}
