/**
 * The browser side of a form: holds the values being edited and keeps visibility, requirement,
 * read-only state and computed values current after every setValue, re-running only the FEEL
 * expressions that read what changed — a keystroke on a 500-field form costs a handful of
 * evaluations, not the whole form.
 */
import type { CompiledForm } from '../compile-form.js';
import type { FormState, Lang, ValidationIssue } from '../types.js';
import { RecordEvaluator } from '../rules/record-evaluator.js';
import { normalizeRecord } from '../rules/record-values.js';

export interface RuntimeState extends FormState {
  values: Record<string, unknown>;
  /** Issues found by validateField, per field, until that field changes again. */
  errors: ValidationIssue[];
}

export interface FormRuntime {
  /** The values as edited (hidden fields keep what was typed, so showing them again restores it). */
  readonly values: Record<string, unknown>;
  setValue(field: string, value: unknown): { changed: string[] };
  getState(): RuntimeState;
  validateField(field: string): ValidationIssue[];
  /** FEEL evaluations run so far (rules, sets and computed fields). */
  readonly evaluations: number;
}

export interface RuntimeOptions {
  lang?: Lang;
}

/**
 * `initial` is the stored record when editing (read-only fields keep its values), or omitted for a
 * new record (defaults apply).
 */
export function createFormRuntime(compiled: CompiledForm, initial?: Record<string, unknown>, opts: RuntimeOptions = {}): FormRuntime {
  const { model, plan } = compiled;
  const stored = initial ? structuredClone(initial) : undefined;
  const values = normalizeRecord(initial ?? {}, model);
  if (!initial) {
    for (const key of model.propertyKeys) {
      const f = model.fields.get(key)!;
      if (f.default !== undefined && !model.serverOwned.has(key)) values[key] = structuredClone(f.default);
    }
  }
  const evaluator = new RecordEvaluator(model, plan, values, {
    top: (key) => stored?.[key] ?? model.fields.get(key)?.default,
    row: (group, i, sub) => {
      const rows = stored?.[group];
      const row = Array.isArray(rows) ? rows[i] : undefined;
      return typeof row === 'object' && row !== null ? (row as Record<string, unknown>)[sub] : undefined;
    },
  });
  evaluator.runAll();
  const errors = new Map<string, ValidationIssue[]>();

  const storedView = () => {
    const { hidden, required } = evaluator.counters.snapshot();
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(evaluator.values)) if (!hidden.includes(k)) out[k] = v;
    return { out, required };
  };

  return {
    get values() {
      return evaluator.values;
    },
    get evaluations() {
      return evaluator.evaluations;
    },
    setValue(field, value) {
      // Server-owned and read-only fields are not the user's to change.
      if (model.serverOwned.has(field) || evaluator.counters.isReadOnlyByRule(field)) return { changed: [] };
      errors.delete(field);
      return { changed: evaluator.change(field, value) };
    },
    getState() {
      return { ...evaluator.counters.snapshot(), values: evaluator.values, errors: [...errors.values()].flat() };
    },
    validateField(field) {
      const { out, required } = storedView();
      const prefix = `/${field}`;
      const issues = compiled
        .check(out, required, opts.lang)
        .filter((i) => i.path === prefix || i.path.startsWith(`${prefix}/`));
      if (issues.length) errors.set(field, issues);
      else errors.delete(field);
      return issues;
    },
  };
}
