import type { RouteObject } from 'react-router-dom';
import { BuyCoursePage } from './payments/BuyCoursePage.js';
import { MyPayments } from './payments/MyPayments.js';
import { PaymentSuccess } from './payments/PaymentSuccess.js';
import { BookMentor, MentorList } from './scheduling/BookMentor.js';
import { LiveClassScheduler } from './scheduling/LiveClassScheduler.js';
import { MentorAvailability } from './scheduling/MentorAvailability.js';
import { UpcomingSessions } from './scheduling/UpcomingSessions.js';

/** This area's pages, mounted under the layout by ../routes.tsx. */
export const routes: RouteObject[] = [
  // payments and scheduling
  { path: '/checkout/:courseId', element: <BuyCoursePage /> },
  { path: '/payments/success', element: <PaymentSuccess /> },
  { path: '/account/payments', element: <MyPayments /> },
  { path: '/teach/courses/:courseId/live-classes', element: <LiveClassScheduler /> },
  { path: '/mentoring/availability', element: <MentorAvailability /> },
  { path: '/mentoring', element: <MentorList /> },
  { path: '/mentoring/:mentorId', element: <BookMentor /> },
  { path: '/sessions', element: <UpcomingSessions /> },
];

/** Links this area adds to the top navigation. */
export const navLinks: Array<{ to: string; label: string }> = [
  // payments and scheduling
  { to: '/sessions', label: 'Sessions' },
  { to: '/mentoring', label: 'Mentors' },
];
