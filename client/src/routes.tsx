import { createBrowserRouter } from 'react-router-dom';
import { Layout } from './layout/Layout.js';
import { lazyPage } from './lib/lazyPage.js';
import { Home } from './pages/Home.js';
import { NotFound } from './pages/NotFound.js';
import { Spinner } from './ui/Spinner.js';
import { areas } from './areas.js';

// Each feature area owns its folder and its routes; this file only mounts them. The home page
// comes with the first load; every other page is its own chunk.

export const router = createBrowserRouter([
  {
    element: <Layout />,
    HydrateFallback: Spinner,
    children: [
      { path: '/', element: <Home /> },
      {
        path: '/sign-in',
        lazy: lazyPage(
          () => import('./pages/SignIn.js'),
          (m) => m.SignIn,
        ),
      },
      {
        path: '/status',
        lazy: lazyPage(
          () => import('./pages/Status.js'),
          (m) => m.Status,
        ),
      },
      ...areas.flatMap((area) => area.routes),
      { path: '*', element: <NotFound /> },
    ],
  },
]);
