/**
 * Checks one field definition: its shape (JSON Schema $defs/field), then what a schema cannot say —
 * reserved keys, unique choices, scale ≤ precision, patterns that compile, auto-number patterns,
 * FEEL that parses (each type's own checks live in its folder, field-types/<type>), and a default
 * the field itself would accept.
 */
import type { FieldDef, Lang, ValidationIssue } from '../types.js';
import { schemaIssuesOfField, t } from './definition-ajv.js';
import { fieldType, isFieldType } from '../field-types/index.js';
import { fieldValueSchema } from '../schema/field-schemas.js';
import { createAjv } from '../validation/ajv-factory.js';

export const RESERVED_KEYS = [
  'id', 'created_at', 'updated_at', 'created_by', 'updated_by', 'owner_id', 'org_unit_id',
  'version', 'deleted_at', 'form_key', 'form_version',
] as const;

const reserved = new Set<string>(RESERVED_KEYS);
let defaultChecker: ReturnType<typeof createAjv> | undefined;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Semantic checks on a field that may be only partly well-formed; `base` prefixes every path. */
export function fieldSemanticIssues(raw: unknown, lang: Lang, base = ''): ValidationIssue[] {
  if (!isObject(raw)) return [];
  const out: ValidationIssue[] = [];
  const add = (path: string, code: string, message: string) => out.push({ path: base + path, code, message });
  const o = isObject(raw.options) ? raw.options : {};
  if (typeof raw.key === 'string' && reserved.has(raw.key)) {
    add('/key', 'reserved_key', t(lang, `"${raw.key}" 是系统字段，不能用作字段标识`, `"${raw.key}" is a system column and cannot be a field key`));
  }
  if (Array.isArray(o.choices)) {
    const seen = new Set<unknown>();
    o.choices.forEach((c, i) => {
      const v = isObject(c) ? c.value : undefined;
      if (v === undefined) return;
      if (seen.has(v)) add(`/options/choices/${i}/value`, 'duplicate_choice', t(lang, `选项值 "${String(v)}" 重复`, `Choice value "${String(v)}" appears twice`));
      seen.add(v);
    });
  }
  if (typeof o.minLength === 'number' && typeof o.maxLength === 'number' && o.minLength > o.maxLength) {
    add('/options/minLength', 'invalid_range', t(lang, '最小长度不能大于最大长度', 'minLength cannot exceed maxLength'));
  }
  if (typeof o.minimum === 'number' && typeof o.maximum === 'number' && o.minimum > o.maximum) {
    add('/options/minimum', 'invalid_range', t(lang, '最小值不能大于最大值', 'minimum cannot exceed maximum'));
  }
  // What only the type knows about its options (field-types/<type>: checkOptions).
  const type = isFieldType(raw.type) ? fieldType(raw.type).engine : undefined;
  for (const p of type?.checkOptions?.(o) ?? []) add(p.path, p.code, t(lang, p.text.zh, p.text.en));
  if ('default' in raw && raw.default !== undefined && out.length === 0) {
    if (type?.serverOwned) {
      add('/default', 'invalid_default', t(lang, '自动编号和计算字段不能有默认值', 'Auto-number and computed fields cannot have a default'));
    } else if (schemaIssuesOfField(raw, lang).length === 0) {
      defaultChecker ??= createAjv();
      const schema = fieldValueSchema(raw as unknown as FieldDef);
      const ok = defaultChecker.compile(schema)(raw.default);
      defaultChecker.removeSchema(schema); // one-off schema: do not let Ajv's cache grow with every field checked
      if (!ok) {
        add('/default', 'invalid_default', t(lang, '默认值不符合字段类型', 'The default value does not fit the field type'));
      }
    }
  }
  return out;
}

export function validateFieldDefinition(field: unknown, lang: Lang = 'zh-CN'): ValidationIssue[] {
  return [...schemaIssuesOfField(field, lang), ...fieldSemanticIssues(field, lang)];
}
