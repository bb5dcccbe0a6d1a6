/**
 * The bridge to the shared form engine (`@crm/form-engine`): the very package the server validates
 * every write with, so the browser shows the same errors, in the same words, before the round trip.
 */
import { compileForm, createFormRuntime, formats, formDefinitionSchema, FormDefinitionError, standaloneRuntime, type CompiledForm, type DataValidator, type FormRuntime } from '@crm/form-engine';
import { isApiError, type Field, type FormDefinitionInput, type Lang } from '@crm/shared';
import { api } from './api';

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
  /** Rule state at the start (nothing validated yet). */
  initialState: RuleState;
  /** The rule state now, with the errors of validated fields. */
  current(): EngineResult;
  /** A change to one field: rules re-run, that field validated. */
  set(field: string, value: unknown): EngineResult;
  /** One field validated again (after the data validator arrived). */
  revalidate(field: string): EngineResult;
  /** Everything validated, as on submit. */
  full(values: Record<string, unknown>): EngineResult;
  /** Problems of the definition itself (the designer's preview shows them). */
  definitionErrors: Issue[];
  /** Resolves when field validation is fully available (at once for small forms). */
  ready: Promise<void>;
}

interface Validate { (data: unknown): boolean; errors?: DataValidator['errors'] }

/** Forms up to this many fields build their rules at once; larger ones after the first paint. The data validator always comes from the server. */
export const SYNC_LIMIT = 80;

/**
 * The rule state before the engine has run, for a large form's first paint: a field named in a rule's
 * `show` starts hidden (the engine's own semantics when no condition holds yet).
 */
export function staticRuleState(fields: Field[], form: FormDefinitionInput): RuleState {
  const hidden = new Set<string>();
  for (const r of form.rules ?? []) for (const f of r.show ?? []) hidden.add(f);
  return { hidden: [...hidden], required: fields.filter((f) => f.required).map((f) => f.key), readOnly: [] };
}

export function withDefaults(fields: Field[], initial: Record<string, unknown> | undefined): Record<string, unknown> {
  if (initial && Object.keys(initial).length) return { ...initial };
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f.default !== undefined && f.type !== 'computed' && f.type !== 'auto_number') out[f.key] = f.default;
  return out;
}
const validatorCache = new Map<string, Promise<Validate>>();

/** Where a server-compiled validator module finds the engine's runtime (the server compiles with the same name). */
const RUNTIME_GLOBAL = '__crmFormEngineRuntime';

/**
 * The form's data validator, compiled by the server (Ajv's standalone code) and imported as a
 * same-origin module: no `new Function`, no `blob:`, so `script-src 'self'` holds. A definition the
 * server finds wrong comes back as its problems (the designer's preview shows them).
 */
function loadValidator(fields: Field[], form: FormDefinitionInput): Promise<Validate> {
  (globalThis as Record<string, unknown>)[RUNTIME_GLOBAL] ??= { formats, standaloneRuntime };
  return api.forms.validator(fields, form).then(async ({ url }) => {
    const mod = (await import(/* @vite-ignore */ url)) as { default: Validate };
    return mod.default;
  });
}

function cachedValidator(fields: Field[], form: FormDefinitionInput): Promise<Validate> {
  const key = JSON.stringify([fields, form]);
  let v = validatorCache.get(key);
  if (!v) {
    v = loadValidator(fields, form);
    // A failure is not kept: the next form built from this definition asks again.
    v.catch(() => validatorCache.delete(key));
    validatorCache.set(key, v);
    if (validatorCache.size > 50) validatorCache.delete(validatorCache.keys().next().value!);
  }
  return v;
}

/** Only the definition's own keys: a published version also carries its schema, fields and dates. */
export function definitionOf(form: FormDefinitionInput): FormDefinitionInput {
  const def: FormDefinitionInput = { key: form.key, object: form.object, title: form.title, layout: form.layout };
  if (typeof form.version === 'number' && form.version >= 1) def.version = form.version;
  if (form.description) def.description = form.description;
  if (form.rules?.length) def.rules = form.rules;
  if (form.computed && Object.keys(form.computed).length) def.computed = form.computed;
  return def;
}

export function createValidator(fields: Field[], given: FormDefinitionInput, lang: Lang, initial: Record<string, unknown> | undefined): LiveValidator {
  const form = definitionOf(given);
  // The data validator arrives later for large forms: until then rules run and fields are not checked.
  let real: Validate | null = null;
  const proxy: Validate = (data: unknown) => {
    if (!real) { proxy.errors = null; return true; }
    const ok = real(data);
    proxy.errors = real.errors;
    return ok;
  };
  let compiled: CompiledForm;
  const definitionErrors: Issue[] = [];
  try {
    // The server checks the definition when it compiles the validator (the checks need Ajv's `new Function`).
    compiled = compileForm(fields, form, { validator: proxy, definitionChecked: true });
  } catch (e) {
    const issues = e instanceof FormDefinitionError ? e.issues : [{ path: '', code: 'definition', message: (e as Error).message }];
    const empty: EngineResult = { ok: false, errors: [], state: { hidden: [], required: [], readOnly: [] } };
    return { initialValues: { ...initial }, initialState: empty.state, current: () => empty, set: () => empty, revalidate: () => empty, full: () => empty, definitionErrors: issues, ready: Promise.resolve() };
  }
  // Until the validator arrives rules run and fields are not checked (the server checks every write anyway).
  const ready = cachedValidator(fields, form).then(
    (fn) => { real = fn; },
    (e: unknown) => {
      if (isApiError(e) && e.status === 400) definitionErrors.push(...e.fieldErrors.map((d) => ({ path: d.path ?? '', code: d.code ?? 'definition', message: d.message ?? '' })));
    },
  );
  const runtime: FormRuntime = createFormRuntime(compiled, initial && Object.keys(initial).length ? initial : undefined, { lang });
  const fromRuntime = (): EngineResult => {
    const s = runtime.getState();
    return { value: s.values, errors: s.errors, state: { hidden: s.hidden, required: s.required, readOnly: s.readOnly } };
  };
  const s0 = runtime.getState();
  return {
    initialValues: { ...runtime.values },
    initialState: { hidden: s0.hidden, required: s0.required, readOnly: s0.readOnly },
    definitionErrors,
    ready,
    current: fromRuntime,
    set(field, value) {
      runtime.setValue(field, value);
      runtime.validateField(field);
      return fromRuntime();
    },
    revalidate(field) {
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

/** `"/contacts/0/phone"` → `contacts`; `"name"` → `name`. */
export function fieldOfPath(path: string | undefined): string {
  if (!path) return '';
  return String(path).replace(/^[#/$.]+/, '').split(/[./[\]]/).filter(Boolean)[0] ?? '';
}

/** The designer keeps "required on this form" as a rule that always holds: `{ when: "true", require: [...] }`. */
export const ALWAYS = 'true';
