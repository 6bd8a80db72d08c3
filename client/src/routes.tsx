import { createBrowserRouter } from 'react-router-dom';
import { Layout } from './Layout.js';
import { Home } from './pages/Home.js';
import { NotFound } from './pages/NotFound.js';
import { SignIn } from './pages/SignIn.js';
import { Status } from './pages/Status.js';

/** Every page of the client. Feature areas add their routes here. */
export const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: <Home /> },
      { path: '/sign-in', element: <SignIn /> },
      { path: '/status', element: <Status /> },
      { path: '*', element: <NotFound /> },
    ],
  },
]);
