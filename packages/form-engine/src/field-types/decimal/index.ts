/** A decimal string with the field's precision and scale (never a binary float). */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { decimalSchema, decimalText, num, NUMERIC_COLUMN, ORDERED_OPS, t } from '../common.js';

export const decimal: FieldTypeDescriptor = {
  type: 'decimal',
  label: { zh: '小数', en: 'Decimal' },
  engine: {
    schema: (field) => decimalSchema('decimal', num(field.options?.precision) ?? 18, num(field.options?.scale) ?? 0),
    messages: { decimal: ({ field }) => decimalText(Number(field?.options?.precision ?? 18), Number(field?.options?.scale ?? 0)) },
    checkOptions: (o) =>
      typeof o.precision === 'number' && typeof o.scale === 'number' && o.scale > o.precision
        ? [{ path: '/options/scale', code: 'scale_exceeds_precision', text: t(`小数位数 ${o.scale} 不能大于精度 ${o.precision}`, `Scale ${o.scale} cannot exceed precision ${o.precision}`) }]
        : [],
    mask: 'amount',
    feel: 'decimal',
    inGroup: true,
  },
  server: { ...NUMERIC_COLUMN, column: 'numeric', numericFromOptions: { precision: 18, scale: 2 } },
  web: { widget: 'decimal', filterOperators: ORDERED_OPS, designer: { group: 'basic', properties: ['precision', 'default'], defaultOptions: { precision: 18, scale: 2 } } },
};
