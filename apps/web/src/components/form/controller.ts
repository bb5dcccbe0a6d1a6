import type { Field, FormDefinitionInput, Lang } from '@crm/shared';
import { createValidator, fieldOfPath, staticRuleState, SYNC_LIMIT, withDefaults, type EngineResult, type LiveValidator } from '../../lib/formEngine';

export interface FieldSnap {
  value: unknown;
  error: string | null;
  hidden: boolean;
  required: boolean;
  readOnly: boolean;
}

const EMPTY: FieldSnap = { value: undefined, error: null, hidden: false, required: false, readOnly: false };

/**
 * Holds one filled-in form: values, errors and rule state. Each field subscribes to its own slice, so a
 * keystroke repaints the field typed in (and the few fields whose rule state changed), not the form.
 */
export class FormController {
  values: Record<string, unknown>;
  private result: EngineResult = { errors: [], state: { hidden: [], required: [], readOnly: [] } };
  private errorsByField = new Map<string, string>();
  private serverErrors = new Map<string, string>();
  private touched = new Set<string>();
  private showAll = false;
  private snaps = new Map<string, FieldSnap>();
  private listeners = new Map<string, Set<() => void>>();
  private anyListeners = new Set<() => void>();
  private validator: LiveValidator | null = null;
  readonly fieldMap: Map<string, Field>;
  private setTargets: Set<string>;
  /** The values the form started with (the stored record, or the defaults of a new one). */
  private initialValues: Record<string, unknown> = {};
  /** Resolves once fields are fully validated (the data validator is compiled by the server and imported). */
  readonly ready: Promise<void>;
  /** Problems of the form definition itself, found by the engine. */
  definitionErrors: { path: string; message: string }[] = [];
  /** Server errors whose path names no field on this form. */
  formErrors: string[] = [];

  constructor(
    readonly fields: Field[],
    readonly form: FormDefinitionInput,
    readonly lang: Lang,
    initial: Record<string, unknown> = {},
  ) {
    this.fieldMap = new Map(fields.map((f) => [f.key, f]));
    this.setTargets = new Set((form.rules ?? []).flatMap((r) => Object.keys(r.set ?? {})));
    if (fields.length <= SYNC_LIMIT) {
      this.validator = createValidator(fields, form, lang, initial);
      this.values = { ...this.validator.initialValues };
      this.initialValues = { ...this.values };
      this.definitionErrors = this.validator.definitionErrors;
      // Rule state at the start; nothing is validated until the user types or submits.
      this.apply({ errors: [], state: this.validator.initialState }, false);
      this.ready = this.validator.ready.then(() => this.catchUp());
    } else {
      // A large form paints first; the engine compiles right after (its data validator comes from the server).
      this.values = withDefaults(fields, initial);
      this.initialValues = { ...this.values };
      this.apply({ errors: [], state: staticRuleState(fields, form) }, false);
      this.ready = afterFirstPaint().then(() => {
        const v = createValidator(fields, form, lang, this.values);
        this.validator = v;
        this.definitionErrors = v.definitionErrors;
        this.apply(v.current(), true);
        return v.ready;
      }).then(() => this.catchUp());
    }
  }

  /** Fields typed in before the engine (or its data validator) was ready are checked now. */
  private catchUp(): void {
    const v = this.validator;
    if (!v) return;
    let last: EngineResult | null = null;
    for (const k of this.touched) last = v.revalidate(k);
    if (this.showAll) last = v.full(this.values);
    if (last) this.apply(last, true);
  }

  subscribe = (field: string, fn: () => void): (() => void) => {
    let set = this.listeners.get(field);
    if (!set) this.listeners.set(field, (set = new Set()));
    set.add(fn);
    return () => set!.delete(fn);
  };

  subscribeAll = (fn: () => void): (() => void) => {
    this.anyListeners.add(fn);
    return () => this.anyListeners.delete(fn);
  };

  snap(field: string): FieldSnap {
    return this.snaps.get(field) ?? EMPTY;
  }

  setValue(field: string, value: unknown): void {
    this.values = { ...this.values, [field]: value };
    this.touched.add(field);
    this.serverErrors.delete(field);
    if (this.validator) this.apply(this.validator.set(field, value), true, field);
    else this.apply(this.result, true, field);
  }

  /** Validates everything and shows every error; returns the engine's verdict. */
  validateAll(): EngineResult {
    this.showAll = true;
    if (!this.validator) return this.result;
    const r = this.validator.full(this.values);
    this.apply(r, true);
    return r;
  }

  /** Maps a server 400's `details[{ path, message }]` back onto the fields. */
  setServerErrors(details: { path?: string; message?: string; code?: string }[]): void {
    this.serverErrors.clear();
    this.formErrors = [];
    for (const d of details) {
      const f = fieldOfPath(d.path);
      const msg = d.message ?? d.code ?? '';
      if (f && this.fieldMap.has(f)) {
        if (!this.serverErrors.has(f)) this.serverErrors.set(f, msg);
      } else {
        this.formErrors.push(d.path ? `${d.path}: ${msg}` : msg);
      }
    }
    this.showAll = true;
    this.apply(this.result, true);
  }

  /** Whether the engine found anything to fix (or could not compile the form). */
  hasBlockingErrors(result: EngineResult): boolean {
    return result.errors.length > 0 || this.definitionErrors.length > 0;
  }

  /** Errors the user cannot see at a field (a field not on this form, or the record as a whole), as text. */
  unplacedErrors(result: EngineResult): string[] {
    const out: string[] = [];
    for (const e of result.errors) {
      const f = fieldOfPath(e.path);
      const snap = this.snaps.get(f);
      if (!f || !snap || snap.hidden) out.push(`${this.fieldMap.get(f) ? f : e.path || '/'}：${e.message}`);
    }
    return [...out, ...this.definitionErrors.map((d) => `${d.path || '/'}：${d.message}`)];
  }

  errorCount(): number {
    let n = 0;
    for (const s of this.snaps.values()) if (s.error && !s.hidden) n++;
    return n;
  }

  /**
   * The values to send: hidden fields dropped, and defaults the user left alone (the server applies
   * those itself, and the user may not be allowed to write them).
   */
  submitValues(): Record<string, unknown> {
    const hidden = new Set(this.result.state.hidden);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.values)) {
      if (hidden.has(k) || v === undefined) continue;
      if (!this.touched.has(k) && !this.setTargets.has(k) && JSON.stringify(v) === JSON.stringify(this.initialValues[k])) continue;
      const f = this.fieldMap.get(k);
      if (f && (f.type === 'computed' || f.type === 'auto_number')) continue;
      out[k] = v;
    }
    return out;
  }

  private apply(result: EngineResult, notify: boolean, typing?: string): void {
    this.result = result;
    // Computed values and rule `set` results come back in `value` (never overwrite what is being typed).
    if (result.value) {
      for (const f of this.fields) {
        if (f.key === typing || !(f.key in result.value)) continue;
        if (f.type === 'computed' || this.form.computed?.[f.key] !== undefined || this.setTargets.has(f.key)) {
          if (this.values[f.key] !== result.value[f.key]) this.values = { ...this.values, [f.key]: result.value[f.key] };
        }
      }
    }
    this.errorsByField.clear();
    for (const e of result.errors) {
      const f = fieldOfPath(e.path);
      if (f && !this.errorsByField.has(f)) this.errorsByField.set(f, e.message);
    }
    const hidden = new Set(result.state.hidden);
    const required = new Set(result.state.required);
    const readOnly = new Set(result.state.readOnly);
    const changed: string[] = [];
    for (const f of this.fields) {
      const k = f.key;
      const engineError = this.errorsByField.get(k) ?? null;
      const visibleError = this.serverErrors.get(k) ?? ((this.showAll || this.touched.has(k)) ? engineError : null);
      const next: FieldSnap = {
        value: this.values[k],
        error: visibleError,
        hidden: hidden.has(k),
        required: required.has(k) || !!f.required,
        readOnly: readOnly.has(k) || f.type === 'computed' || f.type === 'auto_number',
      };
      const prev = this.snaps.get(k);
      if (!prev || prev.value !== next.value || prev.error !== next.error || prev.hidden !== next.hidden || prev.required !== next.required || prev.readOnly !== next.readOnly) {
        this.snaps.set(k, next);
        changed.push(k);
      }
    }
    if (!notify) return;
    for (const k of changed) this.listeners.get(k)?.forEach((fn) => fn());
    this.anyListeners.forEach((fn) => fn());
  }
}

/** Resolves once the browser has painted the frame being prepared (a task queued from rAF runs after paint). */
function afterFirstPaint(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => setTimeout(resolve, 0));
    else setTimeout(resolve, 0);
  });
}
