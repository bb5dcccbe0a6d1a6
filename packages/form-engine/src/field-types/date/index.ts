/** A calendar date written YYYY-MM-DD; FEEL sees a FEEL date. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { coded, fixed, ORDERED_OPS, t } from '../common.js';

export const date: FieldTypeDescriptor = {
  type: 'date',
  label: { zh: '日期', en: 'Date' },
  engine: {
    schema: () => coded('date', { type: 'string', format: 'date' }, ['type', 'format']),
    messages: { date: fixed(t('应为有效日期，格式 YYYY-MM-DD', 'Must be a real date written YYYY-MM-DD')) },
    mask: 'year',
    feel: 'date',
    inGroup: true,
  },
  server: { column: 'date', cast: 'date', comparable: 'date', index: 'none', codec: 'plain' },
  web: { widget: 'date', filterOperators: ORDERED_OPS, designer: { group: 'basic', properties: ['default'] } },
};
