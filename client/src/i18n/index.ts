import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { DEFAULT_LOCALE, LOCALES, pickLocale, storedLocale, type Locale } from './locale.js';
import { resources } from './resources.js';

/** Shared options of the page's instance and the tests' ones. */
export const i18nOptions = {
  resources,
  fallbackLng: DEFAULT_LOCALE,
  supportedLngs: LOCALES,
  ns: Object.keys(resources[DEFAULT_LOCALE] ?? {}),
  defaultNS: 'common',
  // React escapes; catalogs hold text, not HTML
  interpolation: { escapeValue: false },
  // synchronous: the resources are bundled
  initAsync: false,
} as const;

/** Starts i18next in the language picked for this visitor, and keeps `<html lang>` in step. */
export function initI18n(account: Locale | undefined): typeof i18next {
  void i18next.use(initReactI18next).init({
    ...i18nOptions,
    lng: pickLocale({ account, stored: storedLocale(), browser: navigator.languages ?? [] }),
  });
  document.documentElement.lang = i18next.language;
  i18next.on('languageChanged', (language) => {
    document.documentElement.lang = language;
  });
  return i18next;
}
