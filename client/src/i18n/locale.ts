import { DEFAULT_LOCALE, LOCALES, LocaleSchema, type Locale } from '@learnlive/contracts';

/**
 * Which language the interface speaks: the account's choice (`user.locale`), else the choice
 * made on this device while signed out (localStorage), else the browser's languages, else the
 * platform's default (contracts' `DEFAULT_LOCALE`, French).
 */

export { DEFAULT_LOCALE, LOCALES, type Locale };

const KEY = 'learnlive.locale';

export function isLocale(value: unknown): value is Locale {
  return LocaleSchema.safeParse(value).success;
}

/** The first supported language in the browser's list ("fr-CA" counts as French). */
export function browserLocale(languages: readonly string[]): Locale | undefined {
  for (const tag of languages) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLocale(base)) return base;
  }
  return undefined;
}

export function storedLocale(): Locale | undefined {
  try {
    const value = localStorage.getItem(KEY);
    return isLocale(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function storeLocale(locale: Locale): void {
  try {
    localStorage.setItem(KEY, locale);
  } catch {
    // private mode without storage: the choice lasts for this page only
  }
}

export function pickLocale(input: {
  account?: Locale | undefined;
  stored?: Locale | undefined;
  browser: readonly string[];
}): Locale {
  return input.account ?? input.stored ?? browserLocale(input.browser) ?? DEFAULT_LOCALE;
}
