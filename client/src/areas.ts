import type { Session } from './lib/session.js';
import type { NavEntry } from './navEntry.js';
import * as account from './account/routes.js';
import * as community from './community/routes.js';
import * as live from './live/routes.js';
import * as lessons from './lessons/routes.js';

/** Each feature area owns its folder, its routes and its navigation links. */
export const areas = [account, lessons, live, community];
const navLinks: readonly NavEntry[] = areas
  .flatMap((area) => area.navLinks)
  .sort((a, b) => a.order - b.order);

export function visibleNavLinks(session: Session | null): NavEntry[] {
  return navLinks.filter(({ show, group }) => {
    if (group === 'admin') return session?.user.role === 'admin';
    if (show === undefined) return true;
    if (show === 'guest') return !session;
    if (!session) return false;
    return show === 'member' || show.includes(session.user.role);
  });
}
