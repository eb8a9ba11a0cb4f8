import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { en } from './en/index.ts';
import { es } from './es/index.ts';

export type Lang = 'es' | 'en';
export type MessageKey = keyof typeof es;
export const LANGS: readonly Lang[] = ['es', 'en'];
export const MESSAGES: Readonly<Record<Lang, Readonly<Record<MessageKey, string>>>> = { es, en };
const STORAGE_KEY = 'cauce.lang';

/** Spanish unless the browser ranks English above Spanish (navigator.languages order); a stored choice wins. */
export function initialLang(stored: string | null, languages: readonly string[]): Lang {
  if (stored === 'es' || stored === 'en') return stored;
  for (const tag of languages) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'es' || base === 'en') return base;
  }
  return 'es';
}

export function storedLang(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeLang(lang: Lang): void {
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // private mode: the choice lasts for this page only
  }
}

export type Vars = Record<string, string | number>;

/** The text of `key` in `lang` with `{name}` placeholders filled. */
export function translate(lang: Lang, key: MessageKey, vars?: Vars): string {
  const text = MESSAGES[lang][key] ?? MESSAGES.es[key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => String(vars[name] ?? m)) : text;
}

export type T = (key: MessageKey, vars?: Vars) => string;
export interface I18n {
  lang: Lang;
  t: T;
  setLang(lang: Lang): void;
}
export const I18nContext = createContext<I18n>({
  lang: 'es',
  t: (key, vars) => translate('es', key, vars),
  setLang: () => {},
});
export const useI18n = (): I18n => useContext(I18nContext);
