/** An amount: a decimal string with at most 16 integer digits and 2 decimals, stored as numeric(20,2). */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { MONEY_PRECISION, MONEY_SCALE } from '../../bank/decimal.js';
import { decimalSchema, fixed, NUMERIC_COLUMN, ORDERED_OPS, t } from '../common.js';

export const money: FieldTypeDescriptor = {
  type: 'money',
  label: { zh: '金额', en: 'Money' },
  engine: {
    schema: () => decimalSchema('money', MONEY_PRECISION, MONEY_SCALE),
    messages: {
      money: fixed(t(
        `金额应为数字字符串，最多${MONEY_PRECISION - MONEY_SCALE}位整数、${MONEY_SCALE}位小数，例如 "123456.78"`,
        `An amount is a number written as a string with at most ${MONEY_PRECISION - MONEY_SCALE} integer digits and ${MONEY_SCALE} decimals, e.g. "123456.78"`,
      )),
    },
    mask: 'amount',
    feel: 'decimal',
    inGroup: true,
  },
  server: { ...NUMERIC_COLUMN, column: 'numeric(20,2)' },
  web: { widget: 'decimal', display: 'money', filterOperators: ORDERED_OPS, designer: { group: 'basic', properties: ['default'] } },
};
