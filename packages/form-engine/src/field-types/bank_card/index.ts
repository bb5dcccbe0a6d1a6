/** A bank card number: 12 to 19 digits with a Luhn check digit. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { bankCardProblem, isValidBankCard } from '../../bank/bank-card.js';
import { coded, t, TEXT_COLUMN, TEXT_OPS } from '../common.js';

const PROBLEMS = {
  format: t('银行卡号应为12至19位数字', 'A bank card number has 12 to 19 digits'),
  checksum: t('银行卡号校验位不正确', 'The check digit of the bank card number is wrong'),
};

export const bank_card: FieldTypeDescriptor = {
  type: 'bank_card',
  label: { zh: '银行卡号', en: 'Bank card' },
  engine: {
    schema: () => coded('bank_card', { type: 'string', format: 'bank-card' }, ['type', 'format']),
    formats: { 'bank-card': { type: 'string', validate: isValidBankCard } },
    messages: { bank_card: ({ value }) => PROBLEMS[bankCardProblem(value) ?? 'format'] },
    mask: 'bank_card',
    maskFixed: true,
    feel: 'value',
    inGroup: true,
  },
  server: TEXT_COLUMN,
  web: { widget: 'text', filterOperators: TEXT_OPS, designer: { group: 'banking', properties: ['default'] } },
};
