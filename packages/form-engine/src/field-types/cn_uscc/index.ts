/** Unified social credit code (GB 32100): 18 characters and a check character. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { isValidUscc, usccProblem } from '../../bank/uscc.js';
import { coded, t, TEXT_COLUMN, TEXT_OPS } from '../common.js';

const PROBLEMS = {
  format: t('统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）', 'A unified social credit code has 18 digits or capital letters (no I, O, Z, S, V)'),
  checksum: t('统一社会信用代码校验位不正确', 'The check character of the unified social credit code is wrong'),
};

export const cn_uscc: FieldTypeDescriptor = {
  type: 'cn_uscc',
  label: { zh: '统一社会信用代码', en: 'Unified social credit code' },
  engine: {
    schema: () => coded('cn_uscc', { type: 'string', format: 'cn-uscc' }, ['type', 'format']),
    formats: { 'cn-uscc': { type: 'string', validate: isValidUscc } },
    messages: { cn_uscc: ({ value }) => PROBLEMS[usccProblem(value) ?? 'format'] },
    mask: 'generic',
    maskFixed: true,
    feel: 'value',
    inGroup: true,
  },
  server: TEXT_COLUMN,
  web: { widget: 'text', filterOperators: TEXT_OPS, designer: { group: 'banking', properties: ['default'] } },
};
