/** A mainland mobile number; with options.allowLandline also a landline with its area code. */
import type { FieldTypeDescriptor } from '../descriptor.js';
import { MAINLAND_MOBILE, isMainlandPhone } from '../../bank/phone.js';
import { coded, t, TEXT_COLUMN, TEXT_OPS } from '../common.js';

export const phone: FieldTypeDescriptor = {
  type: 'phone',
  label: { zh: '手机号码', en: 'Mobile phone' },
  engine: {
    schema: (field) => coded('phone', { type: 'string', format: field.options?.allowLandline ? 'cn-phone' : 'cn-mobile' }, ['type', 'format']),
    formats: {
      'cn-mobile': MAINLAND_MOBILE,
      'cn-phone': { type: 'string', validate: isMainlandPhone },
    },
    messages: {
      phone: ({ field }) => field?.options?.allowLandline
        ? t('应为11位手机号码或带区号的固定电话', 'Must be an 11-digit mobile number or a landline with area code')
        : t('应为11位中国大陆手机号码', 'Must be an 11-digit mainland China mobile number'),
    },
    mask: 'phone',
    maskFixed: true,
    feel: 'value',
    inGroup: true,
  },
  server: TEXT_COLUMN,
  web: { widget: 'phone', filterOperators: TEXT_OPS, designer: { group: 'banking', properties: ['default'] } },
};
