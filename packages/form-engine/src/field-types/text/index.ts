/** Single-line text: at most 255 characters unless options.maxLength says otherwise; an optional pattern. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { patternProblems, TEXT_COLUMN, TEXT_OPS, textSchema } from '../common.js';

export const TEXT_MAX_LENGTH = 255;

export const text: FieldTypeDescriptor = {
  type: 'text',
  label: { zh: '单行文本', en: 'Text' },
  engine: {
    schema: (field) => textSchema(field, TEXT_MAX_LENGTH),
    checkOptions: patternProblems,
    mask: 'generic',
    personName: true,
    feel: 'text',
    inGroup: true,
  },
  server: TEXT_COLUMN,
  web: { widget: 'text', filterOperators: TEXT_OPS, designer: { group: 'basic', properties: ['text_limits', 'default'] } },
};
