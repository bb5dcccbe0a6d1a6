/** A percentage as a decimal string (default 9 digits, 4 decimals), stored as numeric(12,4). */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { PERCENT_PRECISION, PERCENT_SCALE } from '../../bank/decimal.js';
import { decimalSchema, decimalText, num, NUMERIC_COLUMN, ORDERED_OPS } from '../common.js';

export const percent: FieldTypeDescriptor = {
  type: 'percent',
  label: { zh: '百分比', en: 'Percent' },
  engine: {
    schema: (field) => decimalSchema('percent', num(field.options?.precision) ?? PERCENT_PRECISION, num(field.options?.scale) ?? PERCENT_SCALE),
    messages: { percent: ({ field }) => decimalText(Number(field?.options?.precision ?? PERCENT_PRECISION), Number(field?.options?.scale ?? PERCENT_SCALE)) },
    mask: 'amount',
    feel: 'decimal',
    inGroup: true,
  },
  server: { ...NUMERIC_COLUMN, column: 'numeric(12,4)' },
  web: { widget: 'decimal', display: 'percent', filterOperators: ORDERED_OPS, designer: { group: 'basic', properties: ['default'] } },
};
