/** An email address (at most 254 characters). */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { coded, fixed, t, TEXT_COLUMN, TEXT_OPS } from '../common.js';

export const email: FieldTypeDescriptor = {
  type: 'email',
  label: { zh: '电子邮箱', en: 'Email' },
  engine: {
    schema: () => coded('email', { type: 'string', format: 'email', maxLength: 254 }, ['type', 'format', 'maxLength']),
    messages: { email: fixed(t('电子邮箱格式不正确', 'Not a valid email address')) },
    mask: 'email',
    feel: 'value',
    inGroup: true,
  },
  server: TEXT_COLUMN,
  web: { widget: 'email', filterOperators: TEXT_OPS, designer: { group: 'banking', properties: ['default'] } },
};
