/** China resident ID number (GB 11643): region, a real birth date not in the future, check character. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { cnIdNumberProblem, isValidCnIdNumber } from '../../bank/cn-id-number.js';
import { coded, t, TEXT_COLUMN, TEXT_OPS } from '../common.js';

const PROBLEMS = {
  format: t('身份证号码应为18位，前17位为数字，最后一位为数字或X', 'A resident ID number has 18 characters: 17 digits, then a digit or X'),
  region: t('身份证号码的地区码无效', 'The region code of the resident ID number is not valid'),
  birth_date: t('身份证号码中的出生日期无效', 'The birth date in the resident ID number is not a real date'),
  future: t('身份证号码中的出生日期晚于今天', 'The birth date in the resident ID number is in the future'),
  checksum: t('身份证号码校验位不正确', 'The check digit of the resident ID number is wrong'),
};

export const cn_id_number: FieldTypeDescriptor = {
  type: 'cn_id_number',
  label: { zh: '身份证号', en: 'China resident ID' },
  engine: {
    schema: () => coded('cn_id_number', { type: 'string', format: 'cn-id-number' }, ['type', 'format']),
    formats: { 'cn-id-number': { type: 'string', validate: (s: string) => isValidCnIdNumber(s) } },
    messages: { cn_id_number: ({ value, now }) => PROBLEMS[cnIdNumberProblem(value, now) ?? 'format'] },
    mask: 'generic',
    maskFixed: true,
    feel: 'value',
    inGroup: true,
  },
  server: TEXT_COLUMN,
  web: { widget: 'text', filterOperators: TEXT_OPS, designer: { group: 'banking', properties: ['default'] } },
};
