import type { NavEntry } from '../navEntry.js';
import type { RouteObject } from 'react-router-dom';
import { LiveRoomPage } from './LiveRoom.js';

/** This area's pages, mounted under the layout by ../routes.tsx. */
export const routes: RouteObject[] = [
  { path: '/live/:id', element: <LiveRoomPage kind="live" /> },
  { path: '/mentor/:id', element: <LiveRoomPage kind="mentor" /> },
];

/** Links this area adds to the top navigation. */
export const navLinks: NavEntry[] = [];
