/** The result of a FEEL expression (options.expression) the engine stores; read-only for callers. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { checkFeel, FeelShapeError } from '@crm/feel';
import { JSON_COLUMN, t, TEXT_OPS } from '../common.js';

export const computed: FieldTypeDescriptor = {
  type: 'computed',
  label: { zh: '计算字段', en: 'Computed' },
  engine: {
    schema: () => ({ readOnly: true }),
    checkOptions(o) {
      if (typeof o.expression !== 'string') return [];
      const e = checkFeel(o.expression);
      if (e instanceof FeelShapeError) {
        return [{ path: '/options/expression', code: 'feel_budget', text: t(`计算表达式过于复杂：${e.localized('zh-CN')}`, `The expression is too expensive: ${e.localized('en')}`) }];
      }
      return e ? [{ path: '/options/expression', code: 'feel_syntax', text: t(`计算表达式 FEEL 语法错误：${e.message}`, `FEEL syntax error in the expression: ${e.message}`) }] : [];
    },
    serverOwned: true,
    mask: 'opaque',
    feel: 'value',
    inGroup: false,
  },
  server: JSON_COLUMN,
  web: { widget: 'readonly', filterOperators: TEXT_OPS, designer: { group: 'system', properties: ['expression'] } },
};
