import type { AccessRevocationReason } from '@learnlive/contracts';

/**
 * The catalog key of what a person signed out by the server (`auth:revoked`) reads where they
 * are asked to sign in again; none after a role change, whose refresh keeps them signed in (the
 * new token carries the new role).
 */
const NOTICES: { [K in AccessRevocationReason]: string | undefined } = {
  signed_out_everywhere: 'account:revoked.signed_out_everywhere',
  password_changed: 'account:revoked.password_changed',
  suspended: 'account:revoked.suspended',
  role_changed: undefined,
};

export function revocationKey(reason: AccessRevocationReason): string | undefined {
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

/** The catalog key of why this tab was last signed out by the server; undefined when it was not. */
export function revocationNotice(): string | undefined {
  const stored = sessionStorage.getItem(KEY);
  // storage is an edge: only a reason this client knows is shown
  return stored && Object.hasOwn(NOTICES, stored)
    ? revocationKey(stored as AccessRevocationReason)
    : undefined;
}
