/**
 * Feature values and their encoding: what a record's named values (fields decoded, aggregates typed)
 * become as a row of numbers for the trees. Depends on FEEL only, so the model worker
 * (`ml/ml-tasks.ts`, a worker thread) evaluates features there, off the server's event loop.
 */
import type { CompiledFeel } from '@crm/feel';

/** What evaluating a feature needs: its name (a field or aggregate key) or its compiled FEEL. */
export interface EvaluatedFeature {
  source: string;
  feel: CompiledFeel | null;
}

export type Encoder =
  | { kind: 'number' }
  | { kind: 'bool' }
  | { kind: 'date' }
  | { kind: 'list' }
  | { kind: 'category'; codes: Record<string, number> };

export const pick = (ctx: Record<string, unknown>, names: readonly string[]) => Object.fromEntries(names.map((n) => [n, ctx[n] ?? null]));

/** 1 / 0 / NaN (unknown, or excluded by the train filter) for one record. */
export function labelValue(label: CompiledFeel, trainFilter: CompiledFeel | null, ctx: Record<string, unknown>): number {
  if (trainFilter && trainFilter.evaluate(pick(ctx, trainFilter.inputs)) !== true) return Number.NaN;
  const v = label.evaluate(pick(ctx, label.inputs));
  return v === true ? 1 : v === false ? 0 : Number.NaN;
}

/**
 * Values of FEEL features by their inputs, per compiled feature: a feature is a pure function of the
 * record's values (and `as_of`), and interpreting FEEL costs far more than the trees (an age by
 * `years and months duration` ≈ 1 ms a record) while its inputs repeat (birth dates, choices) over
 * a million records. Only inputs that are all scalars are remembered; a full memo starts over.
 */
const MEMO_LIMIT = 50_000;
const memos = new WeakMap<EvaluatedFeature, Map<string, unknown>>();

function evaluateFeature(f: EvaluatedFeature & { feel: CompiledFeel }, ctx: Record<string, unknown>): unknown {
  const input = pick(ctx, f.feel.inputs);
  const values = f.feel.inputs.map((n) => input[n]);
  const key = values.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v)) ? JSON.stringify(values) : null;
  let memo = memos.get(f);
  if (key !== null && memo?.has(key)) return memo.get(key);
  let out: unknown;
  try {
    out = f.feel.evaluate(input);
  } catch {
    out = null;
  }
  if (key !== null) {
    if (!memo || memo.size >= MEMO_LIMIT) memos.set(f, (memo = new Map()));
    memo.set(key, out);
  }
  return out;
}

/** The raw (not yet encoded) value of each feature: a FEEL feature evaluated, any other read by its name. */
export function featureRow(features: readonly EvaluatedFeature[], ctx: Record<string, unknown>): unknown[] {
  return features.map((f) => (f.feel ? evaluateFeature(f as EvaluatedFeature & { feel: CompiledFeel }, ctx) : (ctx[f.source] ?? null)));
}

const DATE = /^\d{4}-\d{2}-\d{2}/;
const DAY_MS = 86_400_000;

/** Chooses each feature's encoder from its values on the labelled rows (categories coded by their positive rate). */
export function fitEncoders(values: unknown[][], labels: ArrayLike<number>, featureCount: number): Encoder[] {
  return Array.from({ length: featureCount }, (_, j) => {
    let kind: Encoder['kind'] | null = null;
    const rates = new Map<string, { n: number; pos: number }>();
    for (let i = 0; i < values.length; i++) {
      const v = values[i]![j];
      if (v === null || v === undefined) continue;
      const k: Encoder['kind'] = typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : Array.isArray(v) ? 'list' : typeof v === 'string' && DATE.test(v) ? 'date' : 'category';
      kind = kind === null || kind === k ? k : 'category';
      const y = labels[i]!;
      if (!Number.isNaN(y)) {
        const key = String(v);
        const r = rates.get(key) ?? { n: 0, pos: 0 };
        r.n++; r.pos += y;
        rates.set(key, r);
      }
    }
    if (kind !== 'category') return { kind: kind ?? 'number' } as Encoder;
    const ordered = [...rates.entries()].sort((a, b) => a[1].pos / a[1].n - b[1].pos / b[1].n || a[0].localeCompare(b[0]));
    return { kind: 'category', codes: Object.fromEntries(ordered.map(([k], i) => [k, i])) };
  });
}

export function encode(encoders: Encoder[], raw: unknown[], asOf: Date): number[] {
  return encoders.map((e, j) => {
    const v = raw[j];
    if (v === null || v === undefined) return Number.NaN;
    switch (e.kind) {
      case 'number': return typeof v === 'number' ? v : Number(v);
      case 'bool': return v === true ? 1 : v === false ? 0 : Number.NaN;
      case 'list': return Array.isArray(v) ? v.length : Number.NaN;
      case 'date': {
        const t = Date.parse(String(v));
        return Number.isNaN(t) ? Number.NaN : Math.floor((asOf.getTime() - t) / DAY_MS);
      }
      case 'category': return e.codes[String(v)] ?? Number.NaN;
    }
  });
}
