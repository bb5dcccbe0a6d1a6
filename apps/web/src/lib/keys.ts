/**
 * A key suggested from a Chinese label: its pinyin without tones, lower case, words joined by `_`
 * (理财预约 → li_cai_yu_yue), so an analyst need not invent English keys. Always matches the key rule
 * `^[a-z][a-z0-9_]{0,62}$` (a leading digit or symbol gets an `f_` prefix).
 */
import type { FormInstance } from 'antd';
import { pinyin } from 'pinyin-pro';

export function suggestKey(label: string, prefix = 'f'): string {
  const words = pinyin(label.trim(), { toneType: 'none', type: 'array', nonZh: 'consecutive', v: true })
    .map((w) => w.toLowerCase().replace(/[^a-z0-9]+/g, '_'))
    .join('_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  if (!words) return '';
  const key = /^[a-z]/.test(words) ? words : `${prefix}_${words}`;
  return key.slice(0, 63).replace(/_$/, '');
}

/**
 * For an antd form with a Chinese label and a key: `onValuesChange` fills the key from the label's
 * pinyin until the user types a key of their own (`touched` from then on).
 */
export function keyFollowsLabel(form: FormInstance<any>, label = 'zh', key = 'key', prefix?: string) {
  return (changed: Record<string, unknown>): void => {
    if (!(label in changed) || form.isFieldTouched(key)) return;
    form.setFieldValue(key, suggestKey(String(changed[label] ?? ''), prefix));
  };
}
