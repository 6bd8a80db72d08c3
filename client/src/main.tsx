import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router-dom';
import { initI18n } from './i18n/index.js';
import { getSession } from './lib/session.js';
import { router } from './routes.js';
import { ToastProvider } from './ui/Toast.js';
import './styles.css';

initI18n(getSession()?.user.locale);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ToastProvider>
      <RouterProvider router={router} />
    </ToastProvider>
  </StrictMode>,
);
