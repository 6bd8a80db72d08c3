import { NavLink, Outlet } from 'react-router-dom';

export function Layout() {
  return (
    <div className="app">
      <header className="topbar">
        <NavLink to="/" className="brand">
          LearnLive
        </NavLink>
        <nav aria-label="Main">
          <NavLink to="/">Catalog</NavLink>
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
