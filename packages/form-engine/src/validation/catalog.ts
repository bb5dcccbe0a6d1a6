/**
 * Our own messages, in both languages, for the codes Ajv cannot phrase well: required/unknown
 * fields, and every domain code a field type declares (money, dates, bank identifiers…, phrased in
 * the type's folder). Messages never quote the value, so a hidden or sensitive field's content
 * cannot leak through an error.
 */
import type { Lang } from '../types.js';
import { typeMessage } from '../field-types/index.js';
import type { MessageInput, Text } from '../field-types/descriptor.js';
import { t } from '../field-types/common.js';

export type { MessageInput };

const pick = (m: Text, lang: Lang) => (lang === 'en' ? m.en : m.zh);

const TYPE_NAMES: Record<string, Text> = {
  string: t('文本', 'a text'), integer: t('整数', 'a whole number'), number: t('数字', 'a number'),
  boolean: t('是或否（布尔值）', 'true or false'), array: t('列表', 'a list'), object: t('对象', 'an object'),
};

/** Our message for a code, or undefined when Ajv's localized message should be used. */
export function catalogMessage({ code, lang, field, value, params, now }: MessageInput): string | undefined {
  switch (code) {
    case 'required': return pick(t('此项为必填项', 'This field is required'), lang);
    case 'additionalProperties':
      return pick(t(`不允许的字段：${String(params?.additionalProperty)}`, `Unknown field: ${String(params?.additionalProperty)}`), lang);
    case 'type': {
      const name = TYPE_NAMES[String(params?.type)];
      return name ? pick(t(`应为${name.zh}`, `Must be ${name.en}`), lang) : undefined;
    }
    case 'read_only_conflict': return pick(t('该字段为只读', 'This field is read-only'), lang);
    default: {
      // A field type's own codes (money, cn_id_number, id …) are phrased in its folder.
      const message = typeMessage(code);
      return message ? pick(message({ code, lang, field, value, params, now }), lang) : undefined;
    }
  }
}
