/** Several of the field's choices, stored as text[]. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { choiceMessage, choiceSchema, LIST_OPS, TEXT_ARRAY_COLUMN } from '../common.js';

export const multiselect: FieldTypeDescriptor = {
  type: 'multiselect',
  label: { zh: '多选', en: 'Multi-select' },
  engine: {
    schema: (field) => ({ type: 'array', uniqueItems: true, items: choiceSchema(field.options?.choices) }),
    messages: { choice: choiceMessage },
    list: true,
    mask: 'list',
    feel: 'value',
    inGroup: true,
  },
  server: TEXT_ARRAY_COLUMN,
  web: { widget: 'multiselect', display: 'choices', filterOperators: LIST_OPS, designer: { group: 'basic', properties: ['choices'] } },
};
