/**
 * The JSON Schema fragment of one field's value, per API.md wire formats. `errorMessage`
 * (ajv-errors) folds the low-level keyword that failed (type/format/pattern) into one domain code
 * per field type, which validation/catalog.ts phrases in either language.
 */
import type { FieldDef } from '../types.js';
import { decimalPattern, MONEY_PRECISION, MONEY_SCALE, PERCENT_PRECISION, PERCENT_SCALE } from '../bank/decimal.js';
import { pickText } from '../localized-text.js';

export type JsonSchema = Record<string, unknown>;

const SAFE_INT = Number.MAX_SAFE_INTEGER;
export const DEFAULT_MAX_LENGTH = { text: 255, textarea: 10000 } as const;
export const TAG_MAX_LENGTH = 50;

function coded(code: string, schema: JsonSchema, keywords: string[]): JsonSchema {
  const errorMessage: Record<string, string> = {};
  for (const k of keywords) errorMessage[k] = code;
  return { ...schema, errorMessage };
}

function decimalSchema(code: string, precision: number, scale: number): JsonSchema {
  return coded(code, { type: 'string', pattern: decimalPattern(precision, scale) }, ['type', 'pattern']);
}

/** Schema of a value of `field`; `groupRows` gives a json field the row schema of its repeating group. */
export function fieldValueSchema(field: FieldDef, groupRows?: JsonSchema): JsonSchema {
  const o = field.options ?? {};
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  let schema: JsonSchema;
  switch (field.type) {
    case 'text':
    case 'textarea': {
      schema = { type: 'string', maxLength: num(o.maxLength) ?? DEFAULT_MAX_LENGTH[field.type] };
      if (num(o.minLength) !== undefined) schema.minLength = o.minLength;
      if (typeof o.pattern === 'string') schema.pattern = o.pattern;
      break;
    }
    case 'integer':
      schema = { type: 'integer', minimum: num(o.minimum) ?? -SAFE_INT, maximum: num(o.maximum) ?? SAFE_INT };
      break;
    case 'decimal':
      schema = decimalSchema('decimal', num(o.precision) ?? 18, num(o.scale) ?? 0);
      break;
    case 'money':
      schema = decimalSchema('money', MONEY_PRECISION, MONEY_SCALE);
      break;
    case 'percent':
      schema = decimalSchema('percent', num(o.precision) ?? PERCENT_PRECISION, num(o.scale) ?? PERCENT_SCALE);
      break;
    case 'boolean':
      schema = { type: 'boolean' };
      break;
    case 'date':
      schema = coded('date', { type: 'string', format: 'date' }, ['type', 'format']);
      break;
    case 'datetime':
      schema = coded('datetime', { type: 'string', format: 'date-time' }, ['type', 'format']);
      break;
    case 'select':
      schema = coded('choice', { type: 'string', enum: (o.choices ?? []).map((c) => c.value) }, ['type', 'enum']);
      break;
    case 'multiselect':
      schema = {
        type: 'array', uniqueItems: true,
        items: coded('choice', { type: 'string', enum: (o.choices ?? []).map((c) => c.value) }, ['type', 'enum']),
      };
      break;
    case 'email':
      schema = coded('email', { type: 'string', format: 'email', maxLength: 254 }, ['type', 'format', 'maxLength']);
      break;
    case 'phone':
      schema = coded('phone', { type: 'string', format: o.allowLandline ? 'cn-phone' : 'cn-mobile' }, ['type', 'format']);
      break;
    case 'cn_id_number':
      schema = coded('cn_id_number', { type: 'string', format: 'cn-id-number' }, ['type', 'format']);
      break;
    case 'cn_uscc':
      schema = coded('cn_uscc', { type: 'string', format: 'cn-uscc' }, ['type', 'format']);
      break;
    case 'bank_card':
      schema = coded('bank_card', { type: 'string', format: 'bank-card' }, ['type', 'format']);
      break;
    case 'url':
      schema = coded('url', { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2048 }, ['type', 'format', 'pattern', 'maxLength']);
      break;
    case 'relation':
    case 'user':
    case 'org_unit':
      schema = coded('id', { type: 'string', format: 'uuid' }, ['type', 'format']);
      break;
    case 'attachment':
      schema = {
        type: 'array', uniqueItems: true,
        items: coded('id', { type: 'string', format: 'uuid' }, ['type', 'format']),
      };
      if (num(o.maxItems) !== undefined) schema.maxItems = o.maxItems;
      break;
    case 'tags':
      schema = { type: 'array', uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: TAG_MAX_LENGTH } };
      break;
    case 'auto_number':
      // The server assigns it; callers' values are replaced before validation.
      schema = { type: 'string', readOnly: true };
      break;
    case 'computed':
      schema = { readOnly: true };
      break;
    case 'json':
      schema = groupRows ? { type: 'array', items: groupRows } : {};
      break;
  }
  const title = pickText(field.label, 'zh-CN');
  return title ? { title, ...schema } : schema;
}

/** Array-valued types: "required" also means "not empty". */
export function isListType(field: FieldDef): boolean {
  return field.type === 'multiselect' || field.type === 'tags' || field.type === 'attachment';
}
