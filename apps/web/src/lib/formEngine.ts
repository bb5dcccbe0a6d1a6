/**
 * The bridge to the shared form engine (`@crm/form-engine`): the very package the server validates
 * every write with, so the browser shows the same errors, in the same words, before the round trip.
 */
import { compileForm, createFormRuntime, formDefinitionSchema, FormDefinitionError, type CompiledForm, type FieldDef, type FormDefinition, type FormRuntime } from '@crm/form-engine';
import type { Field, FormDefinitionInput, Lang } from '@crm/shared';

export interface Issue { path: string; code: string; message: string }
export interface RuleState { hidden: string[]; required: string[]; readOnly: string[] }
export interface EngineResult { ok?: boolean; value?: Record<string, unknown>; errors: Issue[]; state: RuleState }

export function engineReady(): boolean {
  return typeof compileForm === 'function';
}

/** A live validator of one form: feed it changes, read errors and rule state. */
export interface LiveValidator {
  /** The values to start from (defaults applied for a new record). */
  initialValues: Record<string, unknown>;
  /** A change to one field: rules re-run, that field validated. */
  set(field: string, value: unknown): EngineResult;
  /** Everything validated, as on submit. */
  full(values: Record<string, unknown>): EngineResult;
  /** Problems of the definition itself (the designer's preview shows them). */
  definitionErrors: Issue[];
}

export function createValidator(fields: Field[], form: FormDefinitionInput, lang: Lang, initial: Record<string, unknown> | undefined): LiveValidator {
  let compiled: CompiledForm;
  try {
    compiled = compileForm(fields as FieldDef[], form as FormDefinition);
  } catch (e) {
    const issues = e instanceof FormDefinitionError ? e.issues : [{ path: '', code: 'definition', message: (e as Error).message }];
    const empty: EngineResult = { ok: false, errors: [], state: { hidden: [], required: [], readOnly: [] } };
    return { initialValues: { ...initial }, set: () => empty, full: () => empty, definitionErrors: issues };
  }
  const runtime: FormRuntime = createFormRuntime(compiled, initial && Object.keys(initial).length ? initial : undefined, { lang });
  const fromRuntime = (): EngineResult => {
    const s = runtime.getState();
    return { value: s.values, errors: s.errors, state: { hidden: s.hidden, required: s.required, readOnly: s.readOnly } };
  };
  return {
    initialValues: { ...runtime.values },
    definitionErrors: [],
    set(field, value) {
      runtime.setValue(field, value);
      runtime.validateField(field);
      return fromRuntime();
    },
    full(values) {
      const r = compiled.process(values, { lang });
      return { ok: r.ok, value: r.value, errors: r.errors, state: r.state };
    },
  };
}

/** Which optional keys the engine's definition schema accepts on a placed field (placeholder, help, …). */
export function fieldItemAccepts(key: string): boolean {
  const s = formDefinitionSchema as { $defs?: { fieldItem?: { properties?: Record<string, unknown> } } };
  return !!s.$defs?.fieldItem?.properties?.[key];
}

export function walkFieldItems(items: unknown[] | undefined, fn: (it: { field: string; [k: string]: unknown }) => void): void {
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

/** The designer keeps "required on this form" as a rule that always holds: `{ when: "true", require: [...] }`. */
export const ALWAYS = 'true';
