import type { Field, Filter } from '@crm/shared';
import { fieldType, isFieldType, type FilterOperator } from '@crm/form-engine';

export type Op = FilterOperator;

export interface Condition { field: string; op: Op; value?: unknown }

export interface FilterState { combinator: 'and' | 'or'; conditions: Condition[] }

export const OP_LABELS: Record<Op, [string, string]> = {
  eq: ['等于', 'equals'],
  ne: ['不等于', 'not equal'],
  contains: ['包含', 'contains'],
  gt: ['大于', 'greater than'],
  gte: ['大于等于', 'at least'],
  lt: ['小于', 'less than'],
  lte: ['小于等于', 'at most'],
  in: ['属于', 'is one of'],
  empty: ['为空', 'is empty'],
  notEmpty: ['不为空', 'is not empty'],
};

/** The builder's operators for a field: its type's descriptor says (field-type registry, web part). */
export function opsFor(field: Field | undefined): Op[] {
  if (!field) return ['eq', 'ne', 'empty', 'notEmpty'];
  if (field.key === 'created_at' || field.key === 'updated_at') return ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'empty', 'notEmpty'];
  return isFieldType(field.type) ? [...fieldType(field.type).web.filterOperators] : ['empty', 'notEmpty'];
}

function one(c: Condition, field: Field | undefined): Filter | null {
  let v = c.value;
  if (c.op !== 'empty' && c.op !== 'notEmpty' && (v === undefined || v === '' || (Array.isArray(v) && !v.length))) return null;
  if (field?.type === 'integer' && typeof v === 'string') v = Number(v);
  switch (c.op) {
    case 'eq': return { [c.field]: { $eq: v } };
    case 'ne': return { [c.field]: { $ne: v } };
    case 'contains': return { [c.field]: { $contains: v } };
    case 'gt': return { [c.field]: { $gt: v } };
    case 'gte': return { [c.field]: { $gte: v } };
    case 'lt': return { [c.field]: { $lt: v } };
    case 'lte': return { [c.field]: { $lte: v } };
    case 'in': return { [c.field]: { $in: Array.isArray(v) ? v : String(v).split(/[,，]/).map((s) => s.trim()).filter(Boolean) } };
    case 'empty': return { [c.field]: { $eq: null } };
    case 'notEmpty': return { [c.field]: { $ne: null } };
  }
}

/** The API's Mongo-style filter for the builder's conditions. */
export function toFilter(state: FilterState, fields: Map<string, Field>): Filter {
  const parts = state.conditions.map((c) => one(c, fields.get(c.field))).filter((x): x is Filter => !!x);
  if (!parts.length) return {};
  if (parts.length === 1) return parts[0]!;
  if (state.combinator === 'or') return { $or: parts };
  // AND: one object, unless a field repeats (then its operators merge).
  const out: Filter = {};
  for (const p of parts) {
    for (const [k, v] of Object.entries(p)) {
      out[k] = out[k] && typeof out[k] === 'object' ? { ...(out[k] as object), ...(v as object) } : v;
    }
  }
  return out;
}

type Lang = 'zh-CN' | 'en';

function choiceLabel(field: Field | undefined, v: unknown, lang: Lang): string {
  const c = field?.options?.choices?.find((x) => x.value === v);
  if (!c) return String(v);
  return typeof c.label === 'string' ? c.label : (c.label[lang] ?? c.label['zh-CN'] ?? String(c.value));
}

function valueWords(field: Field | undefined, v: unknown, lang: Lang): string {
  if (Array.isArray(v)) return v.map((x) => valueWords(field, x, lang)).join(lang === 'en' ? ', ' : '、');
  if (typeof v === 'boolean') return v ? (lang === 'en' ? 'yes' : '是') : (lang === 'en' ? 'no' : '否');
  if (field?.type === 'select' || field?.type === 'multiselect') return choiceLabel(field, v, lang);
  return String(v);
}

/**
 * The builder's conditions in words, as a bank user reads them: 「姓名 包含 张 且 客户分层 等于 私人银行」.
 * Conditions still missing their value are left out (they do not filter either).
 */
export function describeFilter(state: FilterState, fields: Map<string, Field>, lang: Lang, label: (f: Field) => string): string {
  const parts = state.conditions
    .filter((c) => one(c, fields.get(c.field)) !== null)
    .map((c) => {
      const f = fields.get(c.field);
      const op = OP_LABELS[c.op][lang === 'en' ? 1 : 0];
      const name = f ? label(f) : c.field;
      if (c.op === 'empty' || c.op === 'notEmpty') return `${name} ${op}`;
      const v = c.op === 'in' && !Array.isArray(c.value) ? String(c.value).split(/[,，]/).map((s) => s.trim()).filter(Boolean) : c.value;
      return `${name} ${op} ${valueWords(f, v, lang)}`;
    });
  const joiner = state.combinator === 'or' ? (lang === 'en' ? ' or ' : ' 或 ') : (lang === 'en' ? ' and ' : ' 且 ');
  return parts.join(joiner);
}

/** Whether the quick search can look in the field (a text the server compares with `$contains`). */
export function isSearchable(f: Field | undefined): f is Field {
  return !!f && ['text', 'textarea', 'email', 'auto_number'].includes(f.type);
}

/** The quick search box as a records filter: the object's title field containing the words (server side, so it pages). */
export function quickSearchFilter(text: string, fields: Field[], titleField: string | null | undefined): Filter | null {
  const q = text.trim().slice(0, 100);
  const f = fields.find((x) => x.key === titleField);
  if (!q || !isSearchable(f)) return null;
  return { [f.key]: { $contains: q } };
}

/** Conditions back from a saved view's filter (the shapes `toFilter` writes); null when it is not one of them. */
export function fromFilter(filter: Record<string, unknown>): FilterState | null {
  const back: Record<string, Op> = { $eq: 'eq', $ne: 'ne', $contains: 'contains', $gt: 'gt', $gte: 'gte', $lt: 'lt', $lte: 'lte', $in: 'in' };
  const conditionsOf = (node: Record<string, unknown>): Condition[] | null => {
    const out: Condition[] = [];
    for (const [field, cond] of Object.entries(node)) {
      if (field.startsWith('$') || !cond || typeof cond !== 'object' || Array.isArray(cond)) return null;
      for (const [k, v] of Object.entries(cond as Record<string, unknown>)) {
        if (k === '$eq' && v === null) out.push({ field, op: 'empty' });
        else if (k === '$ne' && v === null) out.push({ field, op: 'notEmpty' });
        else if (back[k]) out.push({ field, op: back[k]!, value: v });
        else return null;
      }
    }
    return out;
  };
  if (Array.isArray(filter.$or)) {
    const all = (filter.$or as unknown[]).map((n) => (n && typeof n === 'object' ? conditionsOf(n as Record<string, unknown>) : null));
    return all.every((c) => c && c.length === 1) ? { combinator: 'or', conditions: all.map((c) => c![0]!) } : null;
  }
  const c = conditionsOf(filter);
  return c ? { combinator: 'and', conditions: c } : null;
}
