import type { FieldType } from '@crm/shared';

export const FIELD_TYPE_LABELS: Record<FieldType, [string, string]> = {
  text: ['单行文本', 'Text'],
  textarea: ['多行文本', 'Long text'],
  integer: ['整数', 'Integer'],
  decimal: ['小数', 'Decimal'],
  money: ['金额', 'Money'],
  percent: ['百分比', 'Percent'],
  boolean: ['是/否', 'Yes / no'],
  date: ['日期', 'Date'],
  datetime: ['日期时间', 'Date & time'],
  select: ['单选', 'Select'],
  multiselect: ['多选', 'Multi-select'],
  email: ['电子邮箱', 'Email'],
  phone: ['手机号码', 'Mobile phone'],
  cn_id_number: ['身份证号', 'China resident ID'],
  cn_uscc: ['统一社会信用代码', 'Unified social credit code'],
  bank_card: ['银行卡号', 'Bank card'],
  url: ['网址', 'URL'],
  relation: ['关联对象', 'Relation'],
  user: ['用户', 'User'],
  org_unit: ['机构', 'Org unit'],
  attachment: ['附件', 'Attachment'],
  auto_number: ['自动编号', 'Auto number'],
  tags: ['标签', 'Tags'],
  computed: ['计算字段', 'Computed'],
  json: ['JSON', 'JSON'],
};

export const FIELD_TYPE_GROUPS: { label: [string, string]; types: FieldType[] }[] = [
  { label: ['基础', 'Basic'], types: ['text', 'textarea', 'integer', 'decimal', 'money', 'percent', 'boolean', 'date', 'datetime', 'select', 'multiselect', 'tags'] },
  { label: ['银行专用', 'Banking'], types: ['cn_id_number', 'cn_uscc', 'bank_card', 'phone', 'email', 'url'] },
  { label: ['关联与系统', 'Relations & system'], types: ['relation', 'user', 'org_unit', 'attachment', 'auto_number', 'computed', 'json'] },
];

export const SENSITIVITY_LABELS: Record<number, [string, string]> = {
  1: ['1级 公开', 'L1 public'],
  2: ['2级 内部', 'L2 internal'],
  3: ['3级 敏感（脱敏加密）', 'L3 sensitive (masked, encrypted)'],
  4: ['4级 高度敏感', 'L4 highly sensitive'],
  5: ['5级 极度敏感', 'L5 critical'],
};
