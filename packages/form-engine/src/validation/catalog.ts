/**
 * Our own messages, in both languages, for the codes Ajv cannot phrase well: required/unknown
 * fields and every domain type (money, dates, bank identifiers…). Messages never quote the value,
 * so a hidden or sensitive field's content cannot leak through an error.
 */
import type { FieldDef, Lang } from '../types.js';
import { cnIdNumberProblem } from '../bank/cn-id-number.js';
import { usccProblem } from '../bank/uscc.js';
import { bankCardProblem } from '../bank/bank-card.js';
import { MONEY_PRECISION, MONEY_SCALE, PERCENT_PRECISION, PERCENT_SCALE } from '../bank/decimal.js';

type Text = { zh: string; en: string };
const t = (zh: string, en: string): Text => ({ zh, en });
const pick = (m: Text, lang: Lang) => (lang === 'en' ? m.en : m.zh);

const CN_ID: Record<string, Text> = {
  format: t('身份证号码应为18位，前17位为数字，最后一位为数字或X', 'A resident ID number has 18 characters: 17 digits, then a digit or X'),
  region: t('身份证号码的地区码无效', 'The region code of the resident ID number is not valid'),
  birth_date: t('身份证号码中的出生日期无效', 'The birth date in the resident ID number is not a real date'),
  future: t('身份证号码中的出生日期晚于今天', 'The birth date in the resident ID number is in the future'),
  checksum: t('身份证号码校验位不正确', 'The check digit of the resident ID number is wrong'),
};
const USCC: Record<string, Text> = {
  format: t('统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）', 'A unified social credit code has 18 digits or capital letters (no I, O, Z, S, V)'),
  checksum: t('统一社会信用代码校验位不正确', 'The check character of the unified social credit code is wrong'),
};
const CARD: Record<string, Text> = {
  format: t('银行卡号应为12至19位数字', 'A bank card number has 12 to 19 digits'),
  checksum: t('银行卡号校验位不正确', 'The check digit of the bank card number is wrong'),
};

function decimalText(precision: number, scale: number): Text {
  const ints = precision - scale;
  return t(
    `应为数字字符串，整数部分最多${ints}位，小数最多${scale}位，例如 "1234.5"`,
    `Must be a number written as a string, with at most ${ints} integer digits and ${scale} decimals, e.g. "1234.5"`,
  );
}

const TYPE_NAMES: Record<string, Text> = {
  string: t('文本', 'a text'), integer: t('整数', 'a whole number'), number: t('数字', 'a number'),
  boolean: t('是或否（布尔值）', 'true or false'), array: t('列表', 'a list'), object: t('对象', 'an object'),
};

export interface MessageInput {
  code: string;
  lang: Lang;
  field?: FieldDef;
  value?: unknown;
  params?: Record<string, unknown>;
  now?: Date;
}

/** Our message for a code, or undefined when Ajv's localized message should be used. */
export function catalogMessage({ code, lang, field, value, params, now }: MessageInput): string | undefined {
  const o = field?.options ?? {};
  switch (code) {
    case 'required': return pick(t('此项为必填项', 'This field is required'), lang);
    case 'additionalProperties':
      return pick(t(`不允许的字段：${String(params?.additionalProperty)}`, `Unknown field: ${String(params?.additionalProperty)}`), lang);
    case 'money': return pick(t(
      `金额应为数字字符串，最多${MONEY_PRECISION - MONEY_SCALE}位整数、${MONEY_SCALE}位小数，例如 "123456.78"`,
      `An amount is a number written as a string with at most ${MONEY_PRECISION - MONEY_SCALE} integer digits and ${MONEY_SCALE} decimals, e.g. "123456.78"`), lang);
    case 'decimal': return pick(decimalText(Number(o.precision ?? 18), Number(o.scale ?? 0)), lang);
    case 'percent': return pick(decimalText(Number(o.precision ?? PERCENT_PRECISION), Number(o.scale ?? PERCENT_SCALE)), lang);
    case 'date': return pick(t('应为有效日期，格式 YYYY-MM-DD', 'Must be a real date written YYYY-MM-DD'), lang);
    case 'datetime': return pick(t('应为带时区的日期时间，例如 2024-05-01T09:30:00+08:00', 'Must be a date and time with an offset, e.g. 2024-05-01T09:30:00+08:00'), lang);
    case 'email': return pick(t('电子邮箱格式不正确', 'Not a valid email address'), lang);
    case 'url': return pick(t('应为以 http:// 或 https:// 开头的网址', 'Must be a web address starting with http:// or https://'), lang);
    case 'phone': return o.allowLandline
      ? pick(t('应为11位手机号码或带区号的固定电话', 'Must be an 11-digit mobile number or a landline with area code'), lang)
      : pick(t('应为11位中国大陆手机号码', 'Must be an 11-digit mainland China mobile number'), lang);
    case 'id': return pick(t('应为有效的记录标识（UUID）', 'Must be a valid record id (UUID)'), lang);
    case 'cn_id_number': return pick(CN_ID[cnIdNumberProblem(value, now) ?? 'format']!, lang);
    case 'cn_uscc': return pick(USCC[usccProblem(value) ?? 'format']!, lang);
    case 'bank_card': return pick(CARD[bankCardProblem(value) ?? 'format']!, lang);
    case 'type': {
      const name = TYPE_NAMES[String(params?.type)];
      return name ? pick(t(`应为${name.zh}`, `Must be ${name.en}`), lang) : undefined;
    }
    case 'choice': return pick(t('不是可选的选项', 'Not one of the allowed choices'), lang);
    case 'read_only_conflict': return pick(t('该字段为只读', 'This field is read-only'), lang);
    default: return undefined;
  }
}
