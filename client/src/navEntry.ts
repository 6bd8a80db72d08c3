import type { UserRole } from '@learnlive/contracts';

/**
 * A link in the top navigation and who sees it. A module of its own: each area's routes.tsx
 * declares its links with it, and areas.ts imports those routes (no import cycle).
 */
export interface NavEntry {
  to: string;
  label: string;
  /**
   * `guest`: signed-out visitors only; `member`: anyone signed in; a list of roles: those
   * roles (admins see every member link).
   * @default everyone
   */
  show?: 'guest' | 'member' | readonly UserRole[];
}
