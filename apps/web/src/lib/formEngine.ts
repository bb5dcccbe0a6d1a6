/**
 * The bridge to the shared form engine (`@crm/form-engine`): the very package the server validates
 * every write with, so the browser shows the same errors, in the same words, before the round trip.
 */
import * as engineModule from '@crm/form-engine';
import { evaluateFeel, isTrue } from '@crm/feel';
import type { Field, FormDefinitionInput, Lang } from '@crm/shared';

export interface Issue { path: string; code: string; message: string }
export interface RuleState { hidden: string[]; required: string[]; readOnly: string[] }
export interface EngineResult { ok?: boolean; value?: Record<string, unknown>; errors: Issue[]; state: RuleState }

interface Compiled { process(values: Record<string, unknown>, ctx?: { lang?: Lang }): EngineResult }
interface Runtime { setValue(field: string, value: unknown): unknown; getState(): unknown }
interface EngineApi {
  compileForm(fields: Field[], form: FormDefinitionInput): Compiled;
  createFormRuntime(compiled: Compiled, initial: Record<string, unknown>, ctx?: { lang?: Lang }): Runtime;
  validateFormDefinition?(def: FormDefinitionInput, fields: Field[]): unknown;
}

const engine = { ...(engineModule as Record<string, unknown>) } as Partial<EngineApi>;

export function engineReady(): boolean {
  return typeof engine.compileForm === 'function';
}

function normalize(raw: unknown): EngineResult {
  const r = (raw ?? {}) as Partial<EngineResult> & Partial<RuleState>;
  const st = (r.state ?? r) as Partial<RuleState>;
  const list = (x: unknown): string[] => (Array.isArray(x) ? x : x instanceof Set ? [...x] : x && typeof x === 'object' ? Object.keys(x).filter((k) => (x as Record<string, unknown>)[k]) : []);
  return {
    ok: r.ok,
    value: r.value,
    errors: Array.isArray(r.errors) ? r.errors : [],
    state: { hidden: list(st.hidden), required: list(st.required), readOnly: list(st.readOnly) },
  };
}

/** A live validator of one form: feed it changes, read errors and rule state. */
export interface LiveValidator {
  set(field: string, value: unknown, all: Record<string, unknown>): EngineResult;
  full(values: Record<string, unknown>): EngineResult;
  /** Whether the shared engine runs; when it does not (yet), only rules and required fields are checked here. */
  readonly real: boolean;
}

export function createValidator(fields: Field[], form: FormDefinitionInput, lang: Lang, initial: Record<string, unknown>): LiveValidator {
  if (engine.compileForm) {
    try {
      const compiled = engine.compileForm(fields, form);
      const runtime = engine.createFormRuntime ? engine.createFormRuntime(compiled, initial, { lang }) : null;
      return {
        real: true,
        set(field, value, all) {
          if (runtime) {
            const out = runtime.setValue(field, value);
            return normalize(out && typeof out === 'object' ? out : runtime.getState());
          }
          return normalize(compiled.process(all, { lang }));
        },
        full: (values) => normalize(compiled.process(values, { lang })),
      };
    } catch (e) {
      console.warn('form engine could not compile this form', e);
    }
  }
  const fallback = (values: Record<string, unknown>) => basicCheck(fields, form, values, lang);
  return { real: false, set: (_f, _v, all) => fallback(all), full: fallback };
}

/** Rules and required fields only: used while the shared engine is unavailable. The server still validates everything. */
function basicCheck(fields: Field[], form: FormDefinitionInput, values: Record<string, unknown>, lang: Lang): EngineResult {
  const hidden = new Set<string>();
  const required = new Set(fields.filter((f) => f.required).map((f) => f.key));
  const readOnly = new Set<string>();
  const shownBy = new Map<string, boolean>();
  walkFieldItems(form.layout, (it) => { if (it.required) required.add(it.field); });
  for (const rule of form.rules ?? []) {
    let on = false;
    try { on = isTrue(evaluateFeel(rule.when, values)); } catch { on = false; }
    for (const f of rule.show ?? []) shownBy.set(f, (shownBy.get(f) ?? false) || on);
    if (!on) continue;
    for (const f of rule.hide ?? []) hidden.add(f);
    for (const f of rule.require ?? []) required.add(f);
    for (const f of rule.readOnly ?? []) readOnly.add(f);
  }
  for (const [f, on] of shownBy) if (!on) hidden.add(f);
  const errors: Issue[] = [];
  for (const f of required) {
    if (hidden.has(f)) continue;
    const v = values[f];
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) {
      errors.push({ path: `/${f}`, code: 'required', message: lang === 'en' ? 'is required' : '不能为空' });
    }
  }
  return { ok: errors.length === 0, errors, state: { hidden: [...hidden], required: [...required], readOnly: [...readOnly] } };
}

export function walkFieldItems(items: unknown[] | undefined, fn: (it: { field: string; required?: boolean; [k: string]: unknown }) => void): void {
  for (const raw of items ?? []) {
    const it = raw as { field?: string; type?: string; items?: unknown[] };
    if (it.type === 'group') continue;
    if (typeof it.field === 'string' && !it.type) fn(it as { field: string });
    if (Array.isArray(it.items)) walkFieldItems(it.items, fn);
  }
}

/** `"/contacts/0/phone"` → `contacts`; `"name"` → `name`. */
export function fieldOfPath(path: string | undefined): string {
  if (!path) return '';
  return String(path).replace(/^[#/$.]+/, '').split(/[./[\]]/).filter(Boolean)[0] ?? '';
}
