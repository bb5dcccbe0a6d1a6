/** The result of a FEEL expression (options.expression) the engine stores; read-only for callers. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { JSON_COLUMN, TEXT_OPS } from '../common.js';

export const computed: FieldTypeDescriptor = {
  type: 'computed',
  label: { zh: '计算字段', en: 'Computed' },
  engine: { schema: () => ({ readOnly: true }), mask: 'opaque', feel: 'value', inGroup: false },
  server: JSON_COLUMN,
  web: { widget: 'readonly', filterOperators: TEXT_OPS, designer: { group: 'system', properties: ['expression'] } },
};
