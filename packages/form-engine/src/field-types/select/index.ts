/** One of the field's choices (options.choices), stored as its value. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { choiceMessage, choiceSchema, ID_OPS, TEXT_COLUMN } from '../common.js';

export const select: FieldTypeDescriptor = {
  type: 'select',
  label: { zh: '单选', en: 'Select' },
  engine: {
    schema: (field) => choiceSchema(field.options?.choices),
    messages: { choice: choiceMessage },
    mask: 'opaque',
    feel: 'value',
    inGroup: true,
  },
  server: TEXT_COLUMN,
  web: { widget: 'select', display: 'choice', filterOperators: ID_OPS, designer: { group: 'basic', properties: ['choices', 'default'] } },
};
