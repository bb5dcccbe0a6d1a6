/**
 * The JSON Schema fragment of one field's value, per API.md wire formats: the field type's own
 * schema (field-types/<type>), titled with the field's label. `errorMessage` (ajv-errors) in a type's
 * schema folds the low-level keyword that failed into one domain code, which the type phrases.
 */
import type { FieldDef } from '../types.js';
import { fieldType } from '../field-types/index.js';
import type { JsonSchema } from '../field-types/descriptor.js';
import { pickText } from '../localized-text.js';

export type { JsonSchema };

/** Schema of a value of `field`; `groupRows` gives a json field the row schema of its repeating group. */
export function fieldValueSchema(field: FieldDef, groupRows?: JsonSchema): JsonSchema {
  const schema = fieldType(field.type).engine.schema(field, groupRows);
  const title = pickText(field.label, 'zh-CN');
  return title ? { title, ...schema } : schema;
}

/** Array-valued types: "required" also means "not empty". */
export function isListType(field: FieldDef): boolean {
  return fieldType(field.type).engine.list === true;
}
