/** A web address starting with http:// or https:// (at most 2048 characters). */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { coded, fixed, t, TEXT_COLUMN, TEXT_OPS } from '../common.js';

export const url: FieldTypeDescriptor = {
  type: 'url',
  label: { zh: '网址', en: 'URL' },
  engine: {
    schema: () => coded('url', { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2048 }, ['type', 'format', 'pattern', 'maxLength']),
    messages: { url: fixed(t('应为以 http:// 或 https:// 开头的网址', 'Must be a web address starting with http:// or https://')) },
    mask: 'generic',
    feel: 'value',
    inGroup: true,
  },
  server: TEXT_COLUMN,
  web: { widget: 'text', filterOperators: TEXT_OPS, designer: { group: 'banking', properties: ['default'] } },
};
