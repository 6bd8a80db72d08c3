import { NavLink, Outlet } from 'react-router-dom';
import { navLinks } from './areas.js';

export function Layout() {
  return (
    <div className="app">
      <header className="topbar">
        <NavLink to="/" className="brand">
          LearnLive
        </NavLink>
        <nav aria-label="Main">
          <NavLink to="/">Home</NavLink>
          {navLinks.map((link) => (
            <NavLink key={link.to} to={link.to}>
              {link.label}
            </NavLink>
          ))}
          <NavLink to="/status">Status</NavLink>
          <NavLink to="/sign-in">Sign in</NavLink>
        </nav>
      </header>
      <main>
        <Outlet />
      </main>
    </div>
  );
}
