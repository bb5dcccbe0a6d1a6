import { create } from 'zustand';
import type { Lang } from '@crm/shared';
import { localize } from '@crm/shared';

const KEY = 'crm.lang';

interface LangState {
  lang: Lang;
  setLang(lang: Lang): void;
}

export const useLang = create<LangState>((set) => ({
  lang: (localStorage.getItem(KEY) as Lang | null) === 'en' ? 'en' : 'zh-CN',
  setLang(lang) {
    localStorage.setItem(KEY, lang);
    document.documentElement.lang = lang;
    set({ lang });
  },
}));

export function currentLang(): Lang {
  return useLang.getState().lang;
}

/** `t('保存', 'Save')`: the product is written in Chinese first, each text with its English beside it. */
export type T = (zh: string, en: string) => string;

export function useT(): T {
  const lang = useLang((s) => s.lang);
  return (zh, en) => (lang === 'en' ? en : zh);
}

/** The label of a metadata item (`string` or `{ "zh-CN", "en" }`) in the current language. */
export function useL(): (text: unknown, fallback?: string) => string {
  const lang = useLang((s) => s.lang);
  return (text, fallback = '') => localize(text, lang) || fallback;
}
