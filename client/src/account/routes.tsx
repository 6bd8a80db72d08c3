import type { NavEntry } from '../navEntry.js';
import type { RouteObject } from 'react-router-dom';
import { Catalog } from './Catalog.js';
import { CourseEditor } from './CourseEditor.js';
import { CoursePage } from './CoursePage.js';
import { MyLearning } from './MyLearning.js';
import { Profile } from './Profile.js';
import { SignUp } from './SignUp.js';
import { Teach } from './Teach.js';
import { AdminPayments } from './payments/AdminPayments.js';
import { BuyCoursePage } from './payments/BuyCoursePage.js';
import { MyPayments } from './payments/MyPayments.js';
import { PaymentSuccess } from './payments/PaymentSuccess.js';
import { BookMentor, MentorList } from './scheduling/BookMentor.js';
import { LiveClassScheduler } from './scheduling/LiveClassScheduler.js';
import { MentorAvailability } from './scheduling/MentorAvailability.js';
import { UpcomingSessions } from './scheduling/UpcomingSessions.js';
import './account.css';

/** This area's pages, mounted under the layout by ../routes.tsx. */
export const routes: RouteObject[] = [
  { path: '/sign-up', element: <SignUp /> },
  { path: '/courses', element: <Catalog /> },
  { path: '/courses/:id', element: <CoursePage /> },
  { path: '/learning', element: <MyLearning /> },
  { path: '/profile', element: <Profile /> },
  { path: '/teach', element: <Teach /> },
  { path: '/teach/:id', element: <CourseEditor /> },
  // payments and scheduling
  { path: '/checkout/:courseId', element: <BuyCoursePage /> },
  { path: '/payments/success', element: <PaymentSuccess /> },
  { path: '/account/payments', element: <MyPayments /> },
  { path: '/admin/payments', element: <AdminPayments /> },
  { path: '/teach/courses/:courseId/live-classes', element: <LiveClassScheduler /> },
  { path: '/mentoring/availability', element: <MentorAvailability /> },
  { path: '/mentoring', element: <MentorList /> },
  { path: '/mentoring/:mentorId', element: <BookMentor /> },
  { path: '/sessions', element: <UpcomingSessions /> },
];

/** Links this area adds to the top navigation. */
export const navLinks: NavEntry[] = [
  { to: '/courses', label: 'Catalog' },
  { to: '/learning', label: 'My learning', show: 'member' },
  { to: '/teach', label: 'Teach', show: ['instructor'] },
  { to: '/sessions', label: 'Sessions', show: 'member' },
  { to: '/mentoring', label: 'Mentors', show: 'member' },
  { to: '/profile', label: 'Profile', show: 'member' },
  { to: '/sign-up', label: 'Sign up', show: 'guest' },
];
