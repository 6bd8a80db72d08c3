import { NavLink, Outlet } from 'react-router-dom';
import { visibleNavLinks } from './areas.js';
import { useSession } from './lib/session.js';

export function Layout() {
  const session = useSession();
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
        <Outlet />
      </main>
    </div>
  );
}
