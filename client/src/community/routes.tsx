import type { NavEntry, RouteHandle } from '../navEntry.js';
import type { RouteObject } from 'react-router-dom';
import { lazyPage } from '../lib/lazyPage.js';

/** This area's pages, mounted under the layout by ../routes.tsx; each loads on first visit. */
export const routes: RouteObject[] = [
  {
    path: '/community',
    handle: { signIn: 'community:home.signIn' } satisfies RouteHandle,
    lazy: lazyPage(
      () => import('./CommunityHome.js'),
      (m) => m.CommunityHome,
    ),
  },
  {
    path: '/community/chat',
    handle: { signIn: 'community:chat.signIn' } satisfies RouteHandle,
    lazy: lazyPage(
      () => import('./ChatPage.js'),
      (m) => m.ChatPage,
    ),
  },
  {
    path: '/community/moderation',
    handle: { signIn: 'common:membersOnly.body' } satisfies RouteHandle,
    lazy: lazyPage(
      () => import('./ModerationConsole.js'),
      (m) => m.ModerationConsole,
    ),
  },
];

/** Links this area adds to the main navigation. */
export const navLinks: NavEntry[] = [
  { to: '/community', labelKey: 'common:nav.community', show: 'member', order: 50 },
  { to: '/community/moderation', labelKey: 'common:nav.moderation', show: ['instructor'], order: 70 },
  { to: '/community/moderation', labelKey: 'common:nav.adminModeration', group: 'admin', order: 93 },
];
