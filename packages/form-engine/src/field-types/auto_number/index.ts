/** A number the server assigns from options.pattern (KH{yyyyMMdd}{seq:6}); callers never write it. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { TEXT_COLUMN, TEXT_OPS } from '../common.js';

export const auto_number: FieldTypeDescriptor = {
  type: 'auto_number',
  label: { zh: '自动编号', en: 'Auto number' },
  // The server assigns it; callers' values are replaced before validation.
  engine: { schema: () => ({ type: 'string', readOnly: true }), mask: 'generic', feel: 'value', inGroup: false },
  server: TEXT_COLUMN,
  web: { widget: 'readonly', filterOperators: TEXT_OPS, designer: { group: 'system', properties: ['number_pattern'], defaultOptions: { pattern: 'NO{yyyyMMdd}{seq:6}' } } },
};
