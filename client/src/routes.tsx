import { createBrowserRouter } from 'react-router-dom';
import { Layout } from './Layout.js';
import { Home } from './pages/Home.js';
import { NotFound } from './pages/NotFound.js';
import { SignIn } from './pages/SignIn.js';
import { Status } from './pages/Status.js';
import { areas } from './areas.js';

// Each feature area owns its folder and its routes; this file only mounts them.

export const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: <Home /> },
      { path: '/sign-in', element: <SignIn /> },
      { path: '/status', element: <Status /> },
      ...areas.flatMap((area) => area.routes),
      { path: '*', element: <NotFound /> },
    ],
  },
]);
