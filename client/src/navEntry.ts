import type { UserRole } from '@learnlive/contracts';

// A module of its own: each area's routes.tsx declares its links and handles with these types,
// and areas.ts imports those routes (no import cycle).

/** A link in the main navigation and who sees it. */
export interface NavEntry {
  to: string;
  /** Catalog key of the label, with its namespace: `common:nav.catalog`. */
  labelKey: string;
  /**
   * `guest`: signed-out visitors only; `member`: anyone signed in; a list of roles: exactly
   * those roles (admins have their own menu, `group: 'admin'`).
   * @default everyone
   */
  show?: 'guest' | 'member' | readonly UserRole[];
  /** Position in the bar, smallest first (areas are free to interleave). */
  order: number;
  /** `admin`: under the Admin menu, for admins only. */
  group?: 'admin';
}

/**
 * What a route tells the layout (`handle` in its route object). `signIn`: the page is for
 * members; a signed-out visitor reads this catalog key (`<0>Sign in</0> to …`) instead.
 */
export interface RouteHandle {
  signIn?: string;
}
