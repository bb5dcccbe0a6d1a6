/**
 * The JSON Schema (2020-12) of a record's data: one property per field the form carries, wire
 * formats per API.md, no other keys. Requirements that rules switch on and off are checked by the
 * form processor instead, since a static schema cannot run FEEL.
 */
import type { FieldDef, FormDefinition } from '../types.js';
import { buildFormModel, type FormModel } from '../definition/form-model.js';
import { fieldValueSchema, isListType, type JsonSchema } from './field-schemas.js';
import { pickText } from '../localized-text.js';

export const JSON_SCHEMA_2020 = 'https://json-schema.org/draft/2020-12/schema';

function staticallyRequired(model: FormModel, key: string, field: FieldDef, prefix = ''): boolean {
  return field.required === true && !model.visibilityControlled.has(prefix + key) && !model.serverOwned.has(prefix + key);
}

function withNonEmpty(schema: JsonSchema, field: FieldDef, required: boolean): JsonSchema {
  return required && isListType(field) ? { ...schema, minItems: 1 } : schema;
}

function rowSchema(model: FormModel, groupKey: string): JsonSchema {
  const group = model.groups.get(groupKey)!;
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const sub of group.subFields.values()) {
    const req = staticallyRequired(model, sub.key, sub, `${groupKey}.`);
    properties[sub.key] = withNonEmpty(fieldValueSchema(sub), sub, req);
    if (req) required.push(sub.key);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false };
}

export function dataSchemaOf(model: FormModel, form?: FormDefinition | null): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const key of model.propertyKeys) {
    const field = model.fields.get(key)!;
    const group = model.groups.get(key);
    let schema = fieldValueSchema(field, group ? rowSchema(model, key) : undefined);
    const req = staticallyRequired(model, key, field);
    if (group) {
      const { minItems, maxItems } = group.item;
      const min = Math.max(minItems ?? 0, req ? 1 : 0);
      schema = { ...schema, ...(min > 0 ? { minItems: min } : {}), ...(maxItems !== undefined ? { maxItems } : {}) };
    } else {
      schema = withNonEmpty(schema, field, req);
    }
    properties[key] = schema;
    if (req) required.push(key);
  }
  return {
    $schema: JSON_SCHEMA_2020,
    ...(form ? { title: pickText(form.title, 'zh-CN') } : {}),
    type: 'object',
    properties,
    ...(required.length ? { required } : {}),
    additionalProperties: false,
  };
}

export function deriveDataSchema(fields: FieldDef[], form?: FormDefinition | null): object {
  return dataSchemaOf(buildFormModel(fields, form), form);
}
