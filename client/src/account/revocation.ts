import type { AccessRevocationReason } from '@learnlive/contracts';

/**
 * What a person signed out by the server (`auth:revoked`) reads where they are asked to sign in
 * again; none after a role change, whose refresh keeps them signed in (the new token carries the
 * new role).
 */
const NOTICES: { [K in AccessRevocationReason]: string | undefined } = {
  signed_out_everywhere: 'You were signed out on all your devices.',
  password_changed: 'Your password was changed. Sign in with your new password.',
  suspended: 'This account has been suspended.',
  role_changed: undefined,
};

export function revocationText(reason: AccessRevocationReason): string | undefined {
  return NOTICES[reason];
}

// Per tab, like the socket that heard the reason; kept until the next sign-in.
const KEY = 'learnlive.revoked';

export function rememberRevocation(reason: AccessRevocationReason): void {
  sessionStorage.setItem(KEY, reason);
}

export function forgetRevocation(): void {
  sessionStorage.removeItem(KEY);
}

/** Why this tab was last signed out by the server, as a sentence; undefined when it was not. */
export function revocationNotice(): string | undefined {
  const stored = sessionStorage.getItem(KEY);
  // storage is an edge: only a reason this client knows is shown
  return stored && Object.hasOwn(NOTICES, stored)
    ? revocationText(stored as AccessRevocationReason)
    : undefined;
}
