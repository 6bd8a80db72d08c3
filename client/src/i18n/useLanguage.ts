import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { UserSchema } from '@learnlive/contracts';
import { apiFetch } from '../lib/api.js';
import { getSession, setSession, useSession } from '../lib/session.js';
import { isLocale, storeLocale, DEFAULT_LOCALE, type Locale } from './locale.js';

/**
 * The language on screen and how to change it: on this device always (localStorage), and in
 * the account when signed in (`PATCH /api/me { locale }`), so other devices follow. Rejects
 * when the account could not be updated; the screen has changed anyway.
 */
export function useLanguage(): { locale: Locale; change: (locale: Locale) => Promise<void> } {
  const { i18n } = useTranslation();
  const locale = isLocale(i18n.language) ? i18n.language : DEFAULT_LOCALE;
  async function change(next: Locale): Promise<void> {
    storeLocale(next);
    const session = getSession();
    const saveToAccount = session !== null && session.user.locale !== next;
    // the session first: useAccountLanguage would otherwise bring the old language back
    if (saveToAccount) setSession({ ...session, user: { ...session.user, locale: next } });
    await i18n.changeLanguage(next);
    if (saveToAccount) {
      await apiFetch('/api/me', UserSchema, { method: 'PATCH', body: JSON.stringify({ locale: next }) });
    }
  }
  return { locale, change };
}

/** Follows the signed-in account's language (at sign-in, or when another tab changes it). */
export function useAccountLanguage(): void {
  const { i18n } = useTranslation();
  const account = useSession()?.user.locale;
  useEffect(() => {
    if (account && account !== i18n.language) void i18n.changeLanguage(account);
  }, [account, i18n]);
}
