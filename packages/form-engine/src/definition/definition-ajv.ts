/**
 * Validates definitions against the form-definition JSON Schema and phrases the errors. Ajv's
 * `if`/`anyOf` bookkeeping errors are folded so each problem is named once.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { createAjv } from '../validation/ajv-factory.js';
import { ajvMessage, escapePointer } from '../validation/issues.js';
import type { Lang, ValidationIssue } from '../types.js';
import { FORM_DEFINITION_SCHEMA_ID, formDefinitionSchema } from './form-definition.schema.js';
import { fieldTypeNames, registryVersion } from '../field-types/index.js';

let validators: { form: ValidateFunction; field: ValidateFunction; registry: number } | undefined;

/** The published schema, with the field types registered in this process as the allowed `type`s. */
function withRegisteredTypes(): typeof formDefinitionSchema {
  const schema = structuredClone(formDefinitionSchema) as unknown as { $defs: { field: { properties: { type: { enum: string[] } } } } };
  schema.$defs.field.properties.type.enum = fieldTypeNames();
  return schema as unknown as typeof formDefinitionSchema;
}

function compiled() {
  if (!validators || validators.registry !== registryVersion()) {
    // strictRequired/strictTypes would reject the `if: { required: [...] }` discriminators.
    const ajv = createAjv({ strictTypes: false, strictRequired: false });
    ajv.addSchema(withRegisteredTypes());
    validators = {
      registry: registryVersion(),
      form: ajv.getSchema(FORM_DEFINITION_SCHEMA_ID)!,
      field: ajv.compile({ $ref: `${FORM_DEFINITION_SCHEMA_ID}#/$defs/field` }),
    };
  }
  return validators;
}

/** The allowed values of the field `type` enum: exactly the registered type names. */
function isFieldTypeList(values: unknown): values is string[] {
  const names = fieldTypeNames();
  return Array.isArray(values) && values.length === names.length && values.every((v, i) => v === names[i]);
}

export function t(lang: Lang, zh: string, en: string): string {
  return lang === 'en' ? en : zh;
}

function definitionIssues(errors: readonly ErrorObject[] | null | undefined, lang: Lang, base: string): ValidationIssue[] {
  const all = errors ?? [];
  const anyOfAt = new Set(all.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const out: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const e of all) {
    if (e.keyword === 'if') continue;
    if (anyOfAt.has(e.instancePath) && e.keyword !== 'anyOf' && e.schemaPath.includes('/anyOf/')) continue;
    const p = e.params as Record<string, unknown>;
    let path = base + e.instancePath;
    let message: string;
    if (e.keyword === 'required') {
      path += '/' + escapePointer(String(p.missingProperty));
      message = t(lang, `缺少必需的属性 "${String(p.missingProperty)}"`, `Missing required property "${String(p.missingProperty)}"`);
    } else if (e.keyword === 'additionalProperties') {
      path += '/' + escapePointer(String(p.additionalProperty));
      message = t(lang, `不允许的属性 "${String(p.additionalProperty)}"`, `Unknown property "${String(p.additionalProperty)}"`);
    } else if (e.keyword === 'anyOf' && e.schemaPath.includes('localizedText')) {
      message = t(lang, '应为文本，或 {"zh-CN": …, "en": …} 形式的多语言文本', 'Must be a text or a {"zh-CN": …, "en": …} object');
    } else if (e.keyword === 'enum' && isFieldTypeList(p.allowedValues)) {
      // The types registered in this process (field-types/registry.ts), never a fallback to text.
      const known = (p.allowedValues as string[]).join(', ');
      message = t(lang, `未知的字段类型；可用的类型：${known}`, `Unknown field type; the known types are: ${known}`);
    } else if (e.keyword === 'minProperties' && e.schemaPath.includes('/rule/')) {
      message = t(lang, '规则除条件外至少需要一个动作（show、hide、require、readOnly 或 set）', 'A rule needs an action besides its condition (show, hide, require, readOnly or set)');
    } else {
      message = ajvMessage(e, lang);
    }
    const key = `${path}\u0000${e.keyword}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, code: e.keyword, message });
  }
  return out;
}

export function schemaIssuesOfForm(def: unknown, lang: Lang): ValidationIssue[] {
  const v = compiled().form;
  return v(def) ? [] : definitionIssues(v.errors, lang, '');
}

export function schemaIssuesOfField(field: unknown, lang: Lang, base = ''): ValidationIssue[] {
  const v = compiled().field;
  return v(field) ? [] : definitionIssues(v.errors, lang, base);
}
