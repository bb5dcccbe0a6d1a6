/**
 * Pieces several type folders share: one domain code per type in `errorMessage` (ajv-errors folds the
 * low-level keyword that failed into it), decimal schemas and messages, and the id / choice messages
 * that relation, user, org unit, attachment and the choice types all raise.
 */
import { decimalPattern } from '../bank/decimal.js';
import type { FieldDef } from '../types.js';
import type { DefinitionProblem, FilterOperator, JsonSchema, MessageInput, Text } from './descriptor.js';

export const t = (zh: string, en: string): Text => ({ zh, en });

export function coded(code: string, schema: JsonSchema, keywords: string[]): JsonSchema {
  const errorMessage: Record<string, string> = {};
  for (const k of keywords) errorMessage[k] = code;
  return { ...schema, errorMessage };
}

export function decimalSchema(code: string, precision: number, scale: number): JsonSchema {
  return coded(code, { type: 'string', pattern: decimalPattern(precision, scale) }, ['type', 'pattern']);
}

export function decimalText(precision: number, scale: number): Text {
  const ints = precision - scale;
  return t(
    `应为数字字符串，整数部分最多${ints}位，小数最多${scale}位，例如 "1234.5"`,
    `Must be a number written as a string, with at most ${ints} integer digits and ${scale} decimals, e.g. "1234.5"`,
  );
}

export const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Text with a length bound (options.maxLength, else `maxLength`), options.minLength and options.pattern. */
export function textSchema(field: FieldDef, maxLength: number): JsonSchema {
  const o = field.options ?? {};
  const schema: JsonSchema = { type: 'string', maxLength: num(o.maxLength) ?? maxLength };
  if (num(o.minLength) !== undefined) schema.minLength = o.minLength;
  if (typeof o.pattern === 'string') schema.pattern = o.pattern;
  return schema;
}

/** options.pattern must compile as a Unicode regular expression. */
export function patternProblems(o: Record<string, unknown>): DefinitionProblem[] {
  if (typeof o.pattern !== 'string') return [];
  try {
    new RegExp(o.pattern, 'u');
    return [];
  } catch (err) {
    const m = (err as Error).message;
    return [{ path: '/options/pattern', code: 'invalid_pattern', text: t(`正则表达式无效：${m}`, `Invalid regular expression: ${m}`) }];
  }
}

export const idSchema = (): JsonSchema => coded('id', { type: 'string', format: 'uuid' }, ['type', 'format']);
export const idMessage = (): Text => t('应为有效的记录标识（UUID）', 'Must be a valid record id (UUID)');

export const choiceSchema = (choices: { value: string }[] | undefined): JsonSchema =>
  coded('choice', { type: 'string', enum: (choices ?? []).map((c) => c.value) }, ['type', 'enum']);
export const choiceMessage = (): Text => t('不是可选的选项', 'Not one of the allowed choices');

/** Messages that take no input (most types): a constant text. */
export const fixed = (text: Text) => (_: MessageInput): Text => text;

export const ORDERED_OPS: FilterOperator[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'empty', 'notEmpty'];
export const TEXT_OPS: FilterOperator[] = ['eq', 'ne', 'contains', 'in', 'empty', 'notEmpty'];
export const ID_OPS: FilterOperator[] = ['eq', 'ne', 'in', 'empty', 'notEmpty'];
export const LIST_OPS: FilterOperator[] = ['contains', 'empty', 'notEmpty'];
export const PRESENCE_OPS: FilterOperator[] = ['empty', 'notEmpty'];

/** Server descriptors shared by several types. */
export const TEXT_COLUMN = { column: 'text', cast: 'text', comparable: 'text', index: 'none', codec: 'plain' } as const;
export const UUID_COLUMN = { column: 'uuid', cast: 'uuid', comparable: 'uuid', index: 'btree', codec: 'plain' } as const;
export const JSON_COLUMN = { column: 'jsonb', cast: 'jsonb', comparable: 'json', index: 'none', codec: 'json' } as const;
export const TEXT_ARRAY_COLUMN = { column: 'text[]', cast: 'text[]', comparable: 'array', index: 'gin', codec: 'plain' } as const;
export const NUMERIC_COLUMN = { cast: 'numeric', comparable: 'number', index: 'none', codec: 'plain' } as const;
