import type { RouteObject } from 'react-router-dom';
import { Catalog } from './Catalog.js';
import { CourseEditor } from './CourseEditor.js';
import { CoursePage } from './CoursePage.js';
import { MyLearning } from './MyLearning.js';
import { SignUp } from './SignUp.js';
import { Teach } from './Teach.js';
import './account.css';

/** This area's pages, mounted under the layout by ../routes.tsx. */
export const routes: RouteObject[] = [
  { path: '/sign-up', element: <SignUp /> },
  { path: '/courses', element: <Catalog /> },
  { path: '/courses/:id', element: <CoursePage /> },
  { path: '/learning', element: <MyLearning /> },
  { path: '/teach', element: <Teach /> },
  { path: '/teach/:id', element: <CourseEditor /> },
];

/** Links this area adds to the top navigation. */
export const navLinks: Array<{ to: string; label: string }> = [
  { to: '/courses', label: 'Catalog' },
  { to: '/learning', label: 'My learning' },
  { to: '/teach', label: 'Teach' },
  { to: '/sign-up', label: 'Sign up' },
];
