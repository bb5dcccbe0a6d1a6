/**
 * Timer start events of a process: when they fire. Evaluated once when a version is deployed (a
 * duration or a cycle without a start counts from the deploy time) and again after each firing of a
 * cycle. Pure: the caller gives the time.
 */
import { compileFeel } from '@crm/feel';
import { addDuration, cycle, normalizeDate } from './durations.js';
import { BpmnValidationError } from './errors.js';
import type { ProcessModel } from './model.js';
import type { TimerRepeat } from './state.js';

export interface TimerStart {
  startEventId: string;
  dueAt: string;
  /** Further firings of a cycle (absent: this is the last one). */
  repeat?: TimerRepeat;
}

/** The first firing of every timer start event of the process. Throws BpmnValidationError naming the event. */
export function timerStarts(model: ProcessModel, now: string): TimerStart[] {
  const out: TimerStart[] = [];
  const problems: { elementId: string; message: string }[] = [];
  for (const id of model.scopes[model.id]?.startEvents ?? []) {
    const t = model.elements[id]?.event?.kind === 'timer' ? model.elements[id]!.event!.timer : undefined;
    if (!t) continue;
    try {
      const raw = t.expression.trim().startsWith('=') ? compileFeel(t.expression).evaluate({}) : t.expression;
      if (typeof raw !== 'string') throw new Error(`a timer start must give an ISO 8601 text, got ${JSON.stringify(raw)}`);
      if (t.kind === 'cycle') {
        const c = cycle(raw, now);
        out.push({ startEventId: id, dueAt: c.dueAt, ...(c.repeat.remaining !== 0 ? { repeat: c.repeat } : {}) });
      } else if (t.kind === 'duration') out.push({ startEventId: id, dueAt: addDuration(normalizeDate(now), raw.trim()) });
      else out.push({ startEventId: id, dueAt: normalizeDate(raw.trim()) });
    } catch (err) {
      problems.push({ elementId: id, message: `timer start: ${(err as Error).message}` });
    }
  }
  if (problems.length) throw new BpmnValidationError(problems);
  return out;
}

/** The firing after `dueAt` of a cycle, counted from the previous due time so late firings do not drift. */
export function nextTimerStart(dueAt: string, repeat: TimerRepeat): { dueAt: string; repeat?: TimerRepeat } {
  const next = addDuration(dueAt, repeat.interval);
  if (repeat.remaining === null) return { dueAt: next, repeat };
  if (repeat.remaining > 1) return { dueAt: next, repeat: { remaining: repeat.remaining - 1, interval: repeat.interval } };
  return { dueAt: next };
}
