/** A whole number within JavaScript's safe range, stored as bigint. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { num, ORDERED_OPS } from '../common.js';

const SAFE_INT = Number.MAX_SAFE_INTEGER;

export const integer: FieldTypeDescriptor = {
  type: 'integer',
  label: { zh: '整数', en: 'Integer' },
  engine: {
    schema(field) {
      const o = field.options ?? {};
      return { type: 'integer', minimum: num(o.minimum) ?? -SAFE_INT, maximum: num(o.maximum) ?? SAFE_INT };
    },
    mask: 'amount',
    feel: 'value',
    inGroup: true,
  },
  // pg returns bigint as text: the codec turns it back into a number.
  server: { column: 'bigint', cast: 'bigint', comparable: 'number', index: 'none', codec: 'integer' },
  web: { widget: 'integer', filterOperators: ORDERED_OPS, designer: { group: 'basic', properties: ['default'] } },
};
