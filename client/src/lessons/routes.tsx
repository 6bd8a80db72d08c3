import type { NavEntry } from '../navEntry.js';
import type { RouteObject } from 'react-router-dom';
import { LessonPlayerPage } from './LessonPlayer.js';
import { LessonVideos } from './LessonVideos.js';
import { LessonUploadPage } from './UploadPage.js';

/** This area's pages, mounted under the layout by ../routes.tsx. */
export const routes: RouteObject[] = [
  { path: '/lessons', element: <LessonVideos /> },
  { path: '/lessons/:id/upload', element: <LessonUploadPage /> },
  { path: '/lessons/:id/watch', element: <LessonPlayerPage /> },
  // the lesson view (Markdown renderer and sanitiser) loads only when a lesson is opened
  {
    path: '/courses/:courseId/lessons/:lessonId',
    lazy: async () => ({ Component: (await import('./LessonView.js')).LessonView }),
  },
];

/** Links this area adds to the top navigation. */
export const navLinks: NavEntry[] = [{ to: '/lessons', label: 'Videos', show: 'member' }];
