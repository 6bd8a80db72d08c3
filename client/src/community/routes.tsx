import type { NavEntry } from '../navEntry.js';
import type { RouteObject } from 'react-router-dom';
import { ChatPage } from './ChatPage.js';
import { ModerationConsole } from './ModerationConsole.js';

/** This area's pages, mounted under the layout by ../routes.tsx. */
export const routes: RouteObject[] = [
  { path: '/community/chat', element: <ChatPage /> },
  { path: '/community/moderation', element: <ModerationConsole /> },
];

/** Links this area adds to the top navigation. */
export const navLinks: NavEntry[] = [
  { to: '/community/moderation', label: 'Moderation', show: ['instructor'] },
];
