import type { NavEntry, RouteHandle } from '../navEntry.js';
import type { RouteObject } from 'react-router-dom';
import { lazyPage } from '../lib/lazyPage.js';

const members: RouteHandle = { signIn: 'common:membersOnly.body' };

/** This area's pages, mounted under the layout by ../routes.tsx; each loads on first visit. */
export const routes: RouteObject[] = [
  {
    path: '/lessons',
    handle: members,
    lazy: lazyPage(
      () => import('./LessonVideos.js'),
      (m) => m.LessonVideos,
    ),
  },
  {
    path: '/lessons/:id/upload',
    handle: members,
    lazy: lazyPage(
      () => import('./UploadPage.js'),
      (m) => m.LessonUploadPage,
    ),
  },
  {
    path: '/lessons/:id/watch',
    handle: members,
    lazy: lazyPage(
      () => import('./LessonPlayer.js'),
      (m) => m.LessonPlayerPage,
    ),
  },
  // the lesson view (Markdown renderer and sanitiser) loads only when a lesson is opened
  {
    path: '/courses/:courseId/lessons/:lessonId',
    handle: members,
    lazy: lazyPage(
      () => import('./LessonView.js'),
      (m) => m.LessonView,
    ),
  },
];

/** Links this area adds to the main navigation. */
export const navLinks: NavEntry[] = [
  { to: '/lessons', labelKey: 'common:nav.videos', show: 'member', order: 25 },
];
