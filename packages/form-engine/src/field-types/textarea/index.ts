/** Multi-line text: at most 10,000 characters unless options.maxLength says otherwise. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { patternProblems, TEXT_COLUMN, TEXT_OPS, textSchema } from '../common.js';

export const textarea: FieldTypeDescriptor = {
  type: 'textarea',
  label: { zh: '多行文本', en: 'Long text' },
  engine: {
    schema: (field) => textSchema(field, 10000),
    checkOptions: patternProblems,
    mask: 'generic',
    feel: 'text',
    inGroup: true,
  },
  server: TEXT_COLUMN,
  web: { widget: 'textarea', filterOperators: TEXT_OPS, designer: { group: 'basic', properties: ['text_limits', 'default'] } },
};
