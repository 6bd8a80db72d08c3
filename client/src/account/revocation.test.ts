import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { forgetRevocation, rememberRevocation, revocationNotice, revocationText } from './revocation.js';

describe('revocation notices', () => {
  it('explains every reason that signs the person out, and none for a role change', () => {
    expect(revocationText('signed_out_everywhere')).toBe('You were signed out on all your devices.');
    expect(revocationText('password_changed')).toBe(
      'Your password was changed. Sign in with your new password.',
    );
    expect(revocationText('suspended')).toBe('This account has been suspended.');
    expect(revocationText('role_changed')).toBeUndefined();
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
      expect(revocationNotice()).toBe('This account has been suspended.');
      forgetRevocation();
      expect(revocationNotice()).toBeUndefined();
    });

    it('shows nothing for a stored value it does not know', () => {
      sessionStorage.setItem('learnlive.revoked', 'toString');
      expect(revocationNotice()).toBeUndefined();
    });
  });
});
