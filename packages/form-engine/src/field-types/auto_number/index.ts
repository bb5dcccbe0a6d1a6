/** A number the server assigns from options.pattern (KH{yyyyMMdd}{seq:6}); callers never write it. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { AutoNumberPatternError, parseAutoNumberPattern } from '../../bank/auto-number.js';
import { t, TEXT_COLUMN, TEXT_OPS } from '../common.js';

export const auto_number: FieldTypeDescriptor = {
  type: 'auto_number',
  label: { zh: '自动编号', en: 'Auto number' },
  // The server assigns it; callers' values are replaced before validation.
  engine: {
    schema: () => ({ type: 'string', readOnly: true }),
    checkOptions(o) {
      if (typeof o.pattern !== 'string') return [];
      try {
        parseAutoNumberPattern(o.pattern);
        return [];
      } catch (err) {
        if (!(err instanceof AutoNumberPatternError)) throw err;
        return [{ path: '/options/pattern', code: 'invalid_auto_number_pattern', text: t(`编号规则无效：${err.message}`, `Invalid auto-number pattern: ${err.message}`) }];
      }
    },
    serverOwned: true,
    mask: 'generic',
    feel: 'value',
    inGroup: false,
  },
  server: TEXT_COLUMN,
  web: { widget: 'readonly', filterOperators: TEXT_OPS, designer: { group: 'system', properties: ['number_pattern'], defaultOptions: { pattern: 'NO{yyyyMMdd}{seq:6}' } } },
};
