import type { NavEntry } from '../navEntry.js';
import type { RouteObject } from 'react-router-dom';
import { lazyPage } from '../lib/lazyPage.js';

/**
 * This area's pages, mounted under the layout by ../routes.tsx. Not for members only: a guest
 * link carries its room token (`?token=`). mediasoup-client loads with the room, not before.
 */
export const routes: RouteObject[] = [
  {
    path: '/live/:id',
    lazy: lazyPage(
      () => import('./LiveRoom.js'),
      ({ LiveRoomPage }) =>
        function LiveClassRoom() {
          return <LiveRoomPage kind="live" />;
        },
    ),
  },
  {
    path: '/mentor/:id',
    lazy: lazyPage(
      () => import('./LiveRoom.js'),
      ({ LiveRoomPage }) =>
        function MentorRoom() {
          return <LiveRoomPage kind="mentor" />;
        },
    ),
  },
];

/** Links this area adds to the main navigation. */
export const navLinks: NavEntry[] = [];
