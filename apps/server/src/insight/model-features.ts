/**
 * A model definition compiled against the metadata: which columns and related aggregates to read, the
 * label / train-filter / feature expressions (FEEL through @crm/feel), and how a record becomes a row of
 * numbers. Feature values are typed from the training data: numbers as they are, booleans as 0/1, dates
 * as their age in days, text and choices as categories (coded by their training churn rate, so one
 * column per feature keeps its explanation in one piece), lists by their length; null is missing (NaN).
 */
import { compileFeel, FeelSyntaxError, type CompiledFeel } from '@crm/feel';
import type { FieldDef } from '@crm/form-engine';
import { localize, type ModelAggregate, type ModelDefinitionInput, type ModelFeature } from '@crm/shared';
import type { ObjectAccess } from '../access/access.service.js';
import type { FieldCrypto } from '../crypto/field-crypto.js';
import type { MetaSnapshot } from '../metadata/metadata.types.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import { comparableOf, isEncrypted } from '../metadata/field-types.js';
import { decodeField, sqlCastFor } from '../records/record-codec.js';
import type { RelatedAggregate } from '../records/system-reads.js';
import { modelProblem } from './models.messages.js';
import { featureRow } from './feature-eval.js';

export { encode, fitEncoders, type Encoder } from './feature-eval.js';

/** Names every expression may read besides fields and aggregates: today as YYYY-MM-DD. */
export const MODEL_VARIABLES = ['as_of'] as const;

const SYSTEM_FIELDS: Record<string, FieldDef> = {
  created_at: { key: 'created_at', type: 'datetime', label: { 'zh-CN': '创建时间', en: 'Created' } } as FieldDef,
  updated_at: { key: 'updated_at', type: 'datetime', label: { 'zh-CN': '更新时间', en: 'Updated' } } as FieldDef,
};

export interface CompiledAggregate {
  def: ModelAggregate;
  sql: RelatedAggregate;
  /** The related field aggregated (min/max decode as that field's type). */
  field: FieldDef | null;
  /** Fields of the related object it reads (for the viewer's access). */
  reads: string[];
  label: string;
}

export interface CompiledFeature {
  /** The feature as written in the definition (a field key, an aggregate key or FEEL). */
  source: string;
  label: string;
  reason: string | null;
  kind: 'field' | 'aggregate' | 'feel';
  feel: CompiledFeel | null;
  /** Field keys of the object and aggregate keys it reads. */
  inputs: string[];
}

export interface CompiledModel {
  object: ObjectMeta;
  /** Fields of the object any expression reads. */
  fields: FieldDef[];
  aggregates: CompiledAggregate[];
  features: CompiledFeature[];
  label: CompiledFeel;
  trainFilter: CompiledFeel | null;
}

const textOf = (l: unknown) => localize(l, 'zh-CN');

function compile(path: string, source: string): CompiledFeel {
  try {
    return compileFeel(source);
  } catch (err) {
    if (err instanceof FeelSyntaxError) {
      throw modelProblem(path, 'feel_syntax', { 'zh-CN': `FEEL 表达式无法解析：${err.message}`, en: `FEEL does not parse: ${err.message}` });
    }
    throw err;
  }
}

/**
 * Compiles a definition. `designer` is the caller's access to the object (and `relatedAccess` to each
 * aggregate's object): a definition may name only what its designer may read in clear — otherwise a
 * model would be a way to learn hidden values. Encrypted (level ≥ 3) fields are never features.
 */
export async function compileModel(
  def: Pick<ModelDefinitionInput, 'object' | 'label' | 'features' | 'aggregates' | 'trainFilter' | 'scoreField'>,
  meta: MetaSnapshot,
  designer: ObjectAccess | null,
  relatedAccess: (object: string) => Promise<ObjectAccess | null>,
): Promise<CompiledModel> {
  const o = meta.objects.get(def.object);
  if (!o) throw modelProblem('/object', 'unknown_object', { 'zh-CN': `未知对象 ${def.object}`, en: `unknown object ${def.object}` });
  if (designer && !designer.can('read')) throw modelProblem('/object', 'object_not_readable', { 'zh-CN': `无权读取对象 ${def.object}`, en: `you may not read ${def.object}` });
  const readable = (acc: ObjectAccess | null, f: FieldDef) => !acc || (acc.fieldMode(f.key) !== 'none' && acc.fieldMode(f.key) !== 'masked');

  const aggregates: CompiledAggregate[] = [];
  const aggKeys = new Set<string>();
  for (const [i, a] of (def.aggregates ?? []).entries()) {
    const path = `/aggregates/${i}`;
    const bad = (code: string, zh: string, en: string) => modelProblem(path, code, { 'zh-CN': zh, en });
    if (aggKeys.has(a.key) || o.byKey.has(a.key)) throw bad('duplicate_key', `名称 ${a.key} 已被字段或其他聚合使用`, `${a.key} is already a field or another aggregate`);
    aggKeys.add(a.key);
    const r = meta.objects.get(a.object);
    if (!r) throw bad('unknown_object', `未知对象 ${a.object}`, `unknown object ${a.object}`);
    const acc = await relatedAccess(a.object);
    if (acc && !acc.can('read')) throw bad('object_not_readable', `无权读取对象 ${a.object}`, `you may not read ${a.object}`);
    const fieldOf = (key: string, p: string): FieldDef => {
      const f = r.byKey.get(key) ?? SYSTEM_FIELDS[key];
      if (!f) throw modelProblem(`${path}/${p}`, 'unknown_field', { 'zh-CN': `对象 ${a.object} 没有字段 ${key}`, en: `${a.object} has no field ${key}` });
      if (isEncrypted(f) || !readable(acc, f)) throw modelProblem(`${path}/${p}`, 'field_not_readable', { 'zh-CN': `字段 ${key} 不可用作特征（加密或无权读取）`, en: `${key} cannot be a feature (encrypted or not readable)` });
      return f;
    };
    const via = fieldOf(a.via, 'via');
    if (!['relation'].includes(via.type) || via.target !== def.object) throw bad('not_a_relation', `${a.via} 不是指向 ${def.object} 的关联字段`, `${a.via} is not a relation to ${def.object}`);
    let field: FieldDef | null = null;
    if (a.agg !== 'count') {
      if (!a.field) throw bad('field_required', `${a.agg} 需要 field`, `${a.agg} needs a field`);
      field = fieldOf(a.field, 'field');
      const c = comparableOf(field.type);
      const numeric = c === 'number';
      if ((a.agg === 'sum' || a.agg === 'avg') ? !numeric : !(numeric || c === 'date' || c === 'timestamp')) {
        throw bad('bad_field_type', `${a.field} 不能做 ${a.agg}`, `${a.field} cannot be aggregated with ${a.agg}`);
      }
    }
    const where = Object.entries(a.where ?? {}).map(([k, v]) => {
      const f = fieldOf(k, `where/${k}`);
      return { column: f.key, cast: sqlCastFor(f, f.key), values: Array.isArray(v) ? v : [v] };
    });
    let within: RelatedAggregate['within'];
    if (a.withinDays !== undefined) {
      const df = fieldOf(a.dateField ?? 'created_at', 'dateField');
      const c = comparableOf(df.type);
      if (c !== 'date' && c !== 'timestamp') throw bad('not_a_date', `${df.key} 不是日期字段`, `${df.key} is not a date`);
      within = { column: df.key, days: a.withinDays };
    }
    aggregates.push({
      def: a,
      field,
      reads: [a.via, ...(a.field ? [a.field] : []), ...where.map((w) => w.column), ...(within ? [within.column] : [])],
      sql: { object: a.object, via: a.via, agg: a.agg, column: field?.key, where, within },
      label: a.label ? textOf(a.label) : `${textOf(r.label)}${a.agg === 'count' ? '数' : textOf(field?.label)}`,
    });
  }

  const used = new Set<string>();
  const checkInputs = (path: string, inputs: readonly string[]) => {
    for (const name of inputs) {
      if ((MODEL_VARIABLES as readonly string[]).includes(name) || aggKeys.has(name)) continue;
      const f = o.byKey.get(name);
      if (!f) throw modelProblem(path, 'unknown_name', { 'zh-CN': `未知字段或聚合：${name}`, en: `unknown field or aggregate: ${name}` });
      if (isEncrypted(f) || !readable(designer, f)) throw modelProblem(path, 'field_not_readable', { 'zh-CN': `字段 ${name} 不可用于模型（加密或无权读取）`, en: `${name} cannot be used in a model (encrypted or not readable)` });
      if (def.scoreField && name === def.scoreField) throw modelProblem(path, 'score_field_input', { 'zh-CN': '评分字段不能作为模型输入', en: 'the score field cannot be a model input' });
      used.add(name);
    }
  };

  const label = compile('/label', def.label);
  checkInputs('/label', label.inputs);
  const trainFilter = def.trainFilter ? compile('/trainFilter', def.trainFilter) : null;
  if (trainFilter) checkInputs('/trainFilter', trainFilter.inputs);

  const features: CompiledFeature[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of def.features.entries()) {
    const spec: Exclude<ModelFeature, string> = typeof raw === 'string' ? { expression: raw } : raw;
    const source = spec.expression.trim();
    const path = `/features/${i}`;
    if (seen.has(source)) throw modelProblem(path, 'duplicate_feature', { 'zh-CN': `特征重复：${source}`, en: `duplicate feature: ${source}` });
    seen.add(source);
    const agg = aggregates.find((a) => a.def.key === source);
    const field = o.byKey.get(source);
    let feature: CompiledFeature;
    if (agg) {
      feature = { source, label: agg.label, reason: null, kind: 'aggregate', feel: null, inputs: [source] };
    } else if (field) {
      checkInputs(path, [source]);
      feature = { source, label: textOf(field.label), reason: null, kind: 'field', feel: null, inputs: [source] };
    } else {
      const feel = compile(path, source);
      checkInputs(path, feel.inputs);
      feature = { source, label: source, reason: null, kind: 'feel', feel, inputs: feel.inputs.filter((n) => n !== 'as_of') };
    }
    if (spec.label) feature.label = textOf(spec.label);
    feature.reason = spec.reason ?? null;
    features.push(feature);
  }

  if (def.scoreField) {
    const sf = o.byKey.get(def.scoreField);
    if (!sf || !['decimal', 'percent'].includes(sf.type) || isEncrypted(sf)) {
      throw modelProblem('/scoreField', 'bad_score_field', { 'zh-CN': `评分字段须为对象 ${def.object} 的小数字段`, en: `the score field must be a decimal field of ${def.object}` });
    }
  }
  return { object: o, fields: o.fields.filter((f) => used.has(f.key)), aggregates, features, label, trainFilter };
}

/** A number from a stored value for FEEL: money and decimals (strings) as numbers — a feature may be a float. */
function forFeel(f: FieldDef, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' && comparableOf(f.type) === 'number') return Number(v);
  return v;
}

/** The named values of one feature row (fields decoded, aggregates typed) that the expressions read. */
export function rowContext(m: CompiledModel, row: Record<string, unknown>, crypto: FieldCrypto, asOf: string): Record<string, unknown> {
  const ctx: Record<string, unknown> = { as_of: asOf };
  for (const f of m.fields) ctx[f.key] = forFeel(f, decodeField(f, row[f.key], crypto));
  m.aggregates.forEach((a, i) => {
    const v = row[`__a${i}`];
    if (v === null || v === undefined) ctx[a.def.key] = a.def.agg === 'count' ? 0 : null;
    else if (a.def.agg === 'count' || a.def.agg === 'sum' || a.def.agg === 'avg') ctx[a.def.key] = Number(v);
    else ctx[a.def.key] = forFeel(a.field!, decodeField(a.field!, v, crypto));
  });
  return ctx;
}

/** The raw (not yet encoded) value of each feature. */
export function featureValues(m: CompiledModel, ctx: Record<string, unknown>): unknown[] {
  return featureRow(m.features, ctx);
}
