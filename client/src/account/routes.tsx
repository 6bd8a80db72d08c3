import type { NavEntry, RouteHandle } from '../navEntry.js';
import type { RouteObject } from 'react-router-dom';
import { lazyPage } from '../lib/lazyPage.js';
import './account.css';

const members: RouteHandle = { signIn: 'common:membersOnly.body' };

/** This area's pages, mounted under the layout by ../routes.tsx; each loads on first visit. */
export const routes: RouteObject[] = [
  {
    path: '/sign-up',
    lazy: lazyPage(
      () => import('./SignUp.js'),
      (m) => m.SignUp,
    ),
  },
  {
    path: '/courses',
    lazy: lazyPage(
      () => import('./Catalog.js'),
      (m) => m.Catalog,
    ),
  },
  {
    path: '/courses/:id',
    lazy: lazyPage(
      () => import('./CoursePage.js'),
      (m) => m.CoursePage,
    ),
  },
  {
    path: '/learning',
    handle: { signIn: 'account:myLearning.signIn' } satisfies RouteHandle,
    lazy: lazyPage(
      () => import('./MyLearning.js'),
      (m) => m.MyLearning,
    ),
  },
  {
    path: '/profile',
    handle: { signIn: 'account:profile.signIn' } satisfies RouteHandle,
    lazy: lazyPage(
      () => import('./Profile.js'),
      (m) => m.Profile,
    ),
  },
  {
    path: '/teach',
    handle: members,
    lazy: lazyPage(
      () => import('./Teach.js'),
      (m) => m.Teach,
    ),
  },
  {
    path: '/teach/:id',
    handle: members,
    lazy: lazyPage(
      () => import('./CourseEditor.js'),
      (m) => m.CourseEditor,
    ),
  },
  // payments and scheduling
  {
    path: '/checkout/:courseId',
    lazy: lazyPage(
      () => import('./payments/BuyCoursePage.js'),
      (m) => m.BuyCoursePage,
    ),
  },
  {
    path: '/payments/success',
    lazy: lazyPage(
      () => import('./payments/PaymentSuccess.js'),
      (m) => m.PaymentSuccess,
    ),
  },
  {
    path: '/account/payments',
    handle: members,
    lazy: lazyPage(
      () => import('./payments/MyPayments.js'),
      (m) => m.MyPayments,
    ),
  },
  {
    path: '/admin/payments',
    handle: members,
    lazy: lazyPage(
      () => import('./payments/AdminPayments.js'),
      (m) => m.AdminPayments,
    ),
  },
  {
    path: '/teach/courses/:courseId/live-classes',
    handle: members,
    lazy: lazyPage(
      () => import('./scheduling/LiveClassScheduler.js'),
      (m) => m.LiveClassScheduler,
    ),
  },
  {
    path: '/mentoring/availability',
    handle: members,
    lazy: lazyPage(
      () => import('./scheduling/MentorAvailability.js'),
      (m) => m.MentorAvailability,
    ),
  },
  {
    path: '/mentoring',
    handle: members,
    lazy: lazyPage(
      () => import('./scheduling/BookMentor.js'),
      (m) => m.MentorList,
    ),
  },
  {
    path: '/mentoring/:mentorId',
    handle: members,
    lazy: lazyPage(
      () => import('./scheduling/BookMentor.js'),
      (m) => m.BookMentor,
    ),
  },
  {
    path: '/sessions',
    handle: members,
    lazy: lazyPage(
      () => import('./scheduling/UpcomingSessions.js'),
      (m) => m.UpcomingSessions,
    ),
  },
];

/** Links this area adds to the main navigation. */
export const navLinks: NavEntry[] = [
  { to: '/courses', labelKey: 'common:nav.catalog', order: 10 },
  { to: '/learning', labelKey: 'common:nav.learning', show: 'member', order: 20 },
  { to: '/sessions', labelKey: 'common:nav.sessions', show: 'member', order: 30 },
  { to: '/mentoring', labelKey: 'common:nav.mentors', show: 'member', order: 40 },
  { to: '/mentoring/availability', labelKey: 'common:nav.availability', show: ['mentor'], order: 45 },
  { to: '/sign-up', labelKey: 'common:nav.signUp', show: 'guest', order: 80 },
  { to: '/teach', labelKey: 'common:nav.teach', show: ['instructor', 'admin'], order: 60 },
  { to: '/admin/payments', labelKey: 'common:nav.adminPayments', group: 'admin', order: 92 },
];
