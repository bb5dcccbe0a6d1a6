/**
 * compileForm: a form version turned into something that processes submissions. Compiled once per
 * cache key (e.g. "customer_form@3"): the data schema's Ajv validator, the FEEL rules and the
 * computed fields. process() is what the server runs on every write.
 */
import type { ErrorObject } from 'ajv';
import type { FieldDef, FormDefinition, ProcessContext, ProcessResult, ValidationIssue, Lang } from './types.js';
import { buildFormModel, type FormModel } from './definition/form-model.js';
import { validateFormDefinition } from './definition/validate-form-definition.js';
import { validateFieldDefinition } from './definition/validate-field-definition.js';
import { dataSchemaOf } from './schema/derive-data-schema.js';
import { buildRulePlan, FormDefinitionError, type RulePlan } from './rules/rule-plan.js';
import { RecordEvaluator, type Baseline } from './rules/record-evaluator.js';
import { isEmptyValue, normalizeRecord } from './rules/record-values.js';
import { createAjv } from './validation/ajv-factory.js';
import { escapePointer, toIssues } from './validation/issues.js';
import { catalogMessage } from './validation/catalog.js';
import { isValidCnIdNumber } from './bank/cn-id-number.js';

/** An Ajv validate function: compiled live, or imported from a standalone validator module. */
export interface DataValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export interface CompileOptions {
  /** Cache the compiled form under this key (one compile per form version). */
  cacheKey?: string;
  /** A precompiled validator (the standalone module) so the browser never needs `new Function`. */
  validator?: DataValidator;
  /**
   * The definition was already checked where the validator was generated (the server): skip the
   * definition checks, which compile Ajv schemas with `new Function` (refused under a strict CSP).
   */
  definitionChecked?: boolean;
}

export interface CompiledForm {
  readonly fields: readonly FieldDef[];
  readonly form: FormDefinition | null;
  readonly schema: object;
  /** @internal shared with the browser runtime */
  readonly model: FormModel;
  /** @internal shared with the browser runtime */
  readonly plan: RulePlan;
  process(input: Record<string, unknown>, ctx?: ProcessContext): ProcessResult;
  /** Schema + bank checks of already-processed values (no rules), as issues in `lang`. */
  check(values: Record<string, unknown>, required: readonly string[], lang?: Lang, now?: Date): ValidationIssue[];
}

const MAX_CACHED = 500;
const cache = new Map<string, CompiledForm>();
let liveAjv: ReturnType<typeof createAjv> | undefined;

export function clearCompiledFormCache(): void {
  cache.clear();
}

export function compileForm(fields: FieldDef[], form: FormDefinition | null, opts: CompileOptions = {}): CompiledForm {
  if (opts.cacheKey !== undefined) {
    const hit = cache.get(opts.cacheKey);
    if (hit) return hit;
  }
  const problems = opts.definitionChecked ? [] : [
    ...fields.flatMap((f, i) => validateFieldDefinition(f, 'en').map((p) => ({ ...p, path: `/fields/${i}${p.path}` }))),
    ...(form ? validateFormDefinition(form, fields, 'en') : []),
  ];
  if (problems.length) throw new FormDefinitionError(problems);
  const compiled = build(fields, form, opts.validator);
  if (opts.cacheKey !== undefined) {
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(opts.cacheKey, compiled);
  }
  return compiled;
}

function build(fields: FieldDef[], form: FormDefinition | null, given?: DataValidator): CompiledForm {
  const model = buildFormModel(fields, form);
  const plan = buildRulePlan(model);
  const schema = dataSchemaOf(model, form);
  // Only built when needed: Ajv's constructor already compiles (ajv-errors' keyword schema).
  const validate: DataValidator = given ?? (liveAjv ??= createAjv()).compile(schema);

  const defaults: Record<string, unknown> = {};
  for (const key of model.propertyKeys) {
    const f = model.fields.get(key)!;
    if (f.default !== undefined && !model.serverOwned.has(key)) defaults[key] = f.default;
  }

  function check(values: Record<string, unknown>, required: readonly string[], lang: Lang = 'zh-CN', now?: Date): ValidationIssue[] {
    validate(values);
    const issues = toIssues(validate.errors, { lang, fieldAt: model.fieldAt, data: values, now });
    const flagged = new Set(issues.map((i) => i.path));
    const add = (path: string, code: string, value?: unknown) => {
      if (flagged.has(path)) return;
      flagged.add(path);
      issues.push({ path, code, message: catalogMessage({ code, lang, field: model.fieldAt(path), value, now }) ?? code });
    };
    // Requirements switched on by rules (the static schema only knows the unconditional ones).
    for (const ref of required) {
      const [top, sub] = ref.split('.') as [string, string | undefined];
      if (sub === undefined) {
        if (isEmptyValue(values[top])) add(`/${escapePointer(top)}`, 'required');
        continue;
      }
      const rows = values[top];
      if (!Array.isArray(rows)) continue;
      rows.forEach((row, i) => {
        if (typeof row === 'object' && row !== null && isEmptyValue((row as Record<string, unknown>)[sub])) {
          add(`/${escapePointer(top)}/${i}/${escapePointer(sub)}`, 'required');
        }
      });
    }
    // The schema's ID-number format checks birth dates against the clock; a caller-supplied `now` wins.
    if (now) {
      for (const [path, value] of idNumberValues(model, values)) {
        if (typeof value === 'string' && !isValidCnIdNumber(value, now)) add(path, 'cn_id_number', value);
      }
    }
    return issues;
  }

  function process(input: Record<string, unknown>, ctx: ProcessContext = {}): ProcessResult {
    const lang = ctx.lang ?? 'zh-CN';
    const previous = ctx.previous;
    const values = normalizeRecord(input, model);
    // Server-owned values never come from the caller.
    for (const key of model.serverOwned) {
      const kept = previous?.[key];
      if (kept === undefined || kept === null) delete values[key];
      else values[key] = kept;
    }
    if (!previous) {
      for (const [key, value] of Object.entries(defaults)) if (!(key in values)) values[key] = structuredClone(value);
    }
    const baseline: Baseline = {
      top: (key) => (previous ? previous[key] : defaults[key]),
      row: (group, i, sub) => {
        const rows = previous?.[group];
        const row = Array.isArray(rows) ? rows[i] : undefined;
        return typeof row === 'object' && row !== null ? (row as Record<string, unknown>)[sub] : undefined;
      },
    };
    const evaluator = new RecordEvaluator(model, plan, values, baseline);
    evaluator.runAll();
    const state = evaluator.counters.snapshot();
    dropHidden(evaluator.values, state.hidden);
    const errors = check(evaluator.values, state.required, lang, ctx.now);
    if (evaluator.overBudget) {
      const reason = evaluator.overBudget.localized(lang);
      errors.push({ path: '', code: 'feel_budget', message: lang === 'en' ? `A form rule or computed field was stopped: ${reason}` : `表单规则或计算字段被中止：${reason}` });
    }
    if (!evaluator.converged) {
      errors.push({
        path: '',
        code: 'rules_not_converging',
        message: lang === 'en' ? 'The form rules keep changing each other’s fields' : '表单规则相互赋值，无法得到稳定结果',
      });
    }
    return { ok: errors.length === 0, value: evaluator.values, errors, state };
  }

  return { fields, form, schema, model, plan, process, check };
}

/** A hidden field is neither required nor stored. */
function dropHidden(values: Record<string, unknown>, hidden: readonly string[]): void {
  for (const ref of hidden) {
    const [top, sub] = ref.split('.') as [string, string | undefined];
    if (sub === undefined) {
      delete values[top];
    } else if (Array.isArray(values[top]) && !hidden.includes(top)) {
      for (const row of values[top] as unknown[]) {
        if (typeof row === 'object' && row !== null) delete (row as Record<string, unknown>)[sub];
      }
    }
  }
}

function* idNumberValues(model: FormModel, values: Record<string, unknown>): Generator<[string, unknown]> {
  for (const [key, value] of Object.entries(values)) {
    const field = model.fields.get(key);
    if (field?.type === 'cn_id_number') yield [`/${key}`, value];
    const group = model.groups.get(key);
    if (!group || !Array.isArray(value)) continue;
    for (const [sub, f] of group.subFields) {
      if (f.type !== 'cn_id_number') continue;
      for (let i = 0; i < value.length; i++) {
        const row = value[i] as Record<string, unknown> | null;
        if (row && typeof row === 'object') yield [`/${key}/${i}/${sub}`, row[sub]];
      }
    }
  }
}
