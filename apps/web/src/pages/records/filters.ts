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
