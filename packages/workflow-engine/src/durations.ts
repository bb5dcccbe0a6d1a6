/** ISO 8601 durations, dates and repeating intervals, via luxon. All results are UTC ISO strings. */
import { DateTime, Duration } from 'luxon';
import type { TimerRepeat } from './state.js';

export class TimeValueError extends Error {}

function date(value: string): DateTime {
  const d = DateTime.fromISO(value, { setZone: true });
  if (!d.isValid) throw new TimeValueError(`not an ISO 8601 date-time: "${value}"`);
  return d;
}

function duration(value: string): Duration {
  const d = Duration.fromISO(value);
  if (!d.isValid) throw new TimeValueError(`not an ISO 8601 duration: "${value}"`);
  return d;
}

function iso(d: DateTime): string {
  return d.toUTC().toISO()!;
}

export function addDuration(at: string, isoDuration: string): string {
  return iso(date(at).plus(duration(isoDuration)));
}

// Every step normalizes its "now"; the same instant recurs a lot (bursts, replays), so remember a few.
const normalized = new Map<string, string>();

export function normalizeDate(value: string): string {
  const hit = normalized.get(value);
  if (hit !== undefined) return hit;
  const out = iso(date(value));
  if (normalized.size >= 256) normalized.delete(normalized.keys().next().value!);
  normalized.set(value, out);
  return out;
}

/** A due date given as a duration from now ("PT48H") or as a date-time. */
export function dueFrom(value: string, now: string): string {
  return value.trim().startsWith('P') ? addDuration(now, value.trim()) : normalizeDate(value);
}

/**
 * A repeating interval "R[n]/[start/]duration" (ISO 8601-1 §5.6). The R prefix and the "/" separators
 * are the notation itself; each part is read by luxon.
 */
export function cycle(value: string, now: string): { dueAt: string; repeat: TimerRepeat } {
  const parts = value.trim().split('/');
  const rep = /^R(\d*)$/.exec(parts[0] ?? '');
  if (!rep || parts.length < 2 || parts.length > 3) throw new TimeValueError(`not an ISO 8601 repeating interval: "${value}"`);
  const interval = parts[parts.length - 1]!;
  duration(interval);
  const total = rep[1] === '' ? null : Number(rep[1]);
  if (total === 0) throw new TimeValueError(`repeating interval with zero repetitions: "${value}"`);
  const dueAt = parts.length === 3 ? normalizeDate(parts[1]!) : addDuration(now, interval);
  return { dueAt, repeat: { remaining: total === null ? null : total - 1, interval } };
}
