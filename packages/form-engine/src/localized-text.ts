import type { Lang, LocalizedText } from './types.js';

/** The text in `lang`, falling back to the other language, then to "". */
export function pickText(text: LocalizedText | undefined, lang: Lang): string {
  if (text === undefined) return '';
  if (typeof text === 'string') return text;
  return text[lang] ?? text['zh-CN'] ?? text.en ?? '';
}
