import { NavLink, Outlet } from 'react-router-dom';
import { revocationNotice } from './account/revocation.js';
import { visibleNavLinks } from './areas.js';
import { useSession } from './lib/session.js';

export function Layout() {
  const session = useSession();
  // Read at each render: the reason is stored before the failed refresh clears the session.
  const revoked = session ? undefined : revocationNotice();
  return (
    <div className="app">
      <header className="topbar">
        <NavLink to="/" className="brand">
          LearnLive
        </NavLink>
        <nav aria-label="Main">
          <NavLink to="/">Home</NavLink>
          {visibleNavLinks(session).map((link) => (
            <NavLink key={link.to} to={link.to}>
              {link.label}
            </NavLink>
          ))}
          <NavLink to="/status">Status</NavLink>
          {!session && <NavLink to="/sign-in">Sign in</NavLink>}
        </nav>
      </header>
      <main>
        {revoked && (
          <p role="alert" data-testid="revoked-notice">
            {revoked}
          </p>
        )}
        <Outlet />
      </main>
    </div>
  );
}
