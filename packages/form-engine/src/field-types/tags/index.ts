/** Free tags: distinct non-empty strings of at most 50 characters, stored as text[]. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { LIST_OPS, TEXT_ARRAY_COLUMN } from '../common.js';

export const TAG_MAX_LENGTH = 50;

export const tags: FieldTypeDescriptor = {
  type: 'tags',
  label: { zh: '标签', en: 'Tags' },
  engine: {
    schema: () => ({ type: 'array', uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: TAG_MAX_LENGTH } }),
    list: true,
    mask: 'list',
    feel: 'value',
    inGroup: true,
  },
  server: TEXT_ARRAY_COLUMN,
  web: { widget: 'tags', display: 'choices', filterOperators: LIST_OPS, designer: { group: 'basic', properties: [] } },
};
