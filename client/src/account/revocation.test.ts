import { createInstance } from 'i18next';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { i18nOptions } from '../i18n/index.js';
import { forgetRevocation, rememberRevocation, revocationKey, revocationNotice } from './revocation.js';

const i18n = createInstance({ ...i18nOptions, lng: 'en' });
await i18n.init();
const en = (key: string | undefined) => (key === undefined ? undefined : i18n.t(key));

describe('revocation notices', () => {
  it('explains every reason that signs the person out, and none for a role change', () => {
    expect(en(revocationKey('signed_out_everywhere'))).toBe('You were signed out on all your devices.');
    expect(en(revocationKey('password_changed'))).toBe(
      'Your password was changed. Sign in with your new password.',
    );
    expect(en(revocationKey('suspended'))).toBe('This account has been suspended.');
    expect(revocationKey('role_changed')).toBeUndefined();
  });

  describe('in the tab', () => {
    beforeEach(() => {
      const items = new Map<string, string>();
      vi.stubGlobal('sessionStorage', {
        getItem: (key: string) => items.get(key) ?? null,
        setItem: (key: string, value: string) => items.set(key, value),
        removeItem: (key: string) => items.delete(key),
      });
    });
    afterEach(() => {
      vi.unstubAllGlobals();
    });

    it('keeps the last reason until it is forgotten', () => {
      expect(revocationNotice()).toBeUndefined();
      rememberRevocation('password_changed');
      rememberRevocation('suspended');
      expect(en(revocationNotice())).toBe('This account has been suspended.');
      forgetRevocation();
      expect(revocationNotice()).toBeUndefined();
    });

    it('shows nothing for a stored value it does not know', () => {
      sessionStorage.setItem('learnlive.revoked', 'toString');
      expect(revocationNotice()).toBeUndefined();
    });
  });
});
