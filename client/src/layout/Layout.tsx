import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, Outlet, useLocation, useMatches, useNavigation } from 'react-router-dom';
import { revocationNotice } from '../account/revocation.js';
import { visibleNavLinks } from '../areas.js';
import type { RouteHandle } from '../navEntry.js';
import { useAccountLanguage } from '../i18n/useLanguage.js';
import { useSession } from '../lib/session.js';
import { Menu } from '../ui/Menu.js';
import { AccountMenu } from './AccountMenu.js';
import { LanguageMenu } from './LanguageMenu.js';
import { MembersOnly } from './MembersOnly.js';
import './Layout.css';

/** Every page's frame: skip link, header with the navigation and the account, the page, footer. */
export function Layout() {
  const { t } = useTranslation();
  const session = useSession();
  const location = useLocation();
  const navigation = useNavigation();
  const matches = useMatches();
  const navId = useId();
  const [navOpen, setNavOpen] = useState(false);
  useAccountLanguage();
  // a link followed on a phone closes the navigation
  useEffect(() => setNavOpen(false), [location.pathname]);

  // Read at each render: the reason is stored before the failed refresh clears the session.
  const revoked = session ? undefined : revocationNotice();
  const signInKey = matches.map((match) => (match.handle as RouteHandle | undefined)?.signIn).find(Boolean);
  const links = visibleNavLinks(session);
  const main = links.filter((link) => link.group !== 'admin');
  const admin = links.filter((link) => link.group === 'admin');

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('common:skipToContent')}
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to="/" className="brand">
            {t('common:brand')}
          </Link>
          <button
            type="button"
            className="nav-toggle"
            aria-expanded={navOpen}
            aria-controls={navId}
            onClick={() => setNavOpen((open) => !open)}
          >
            <span aria-hidden="true" className="nav-toggle-icon" />
            <span className="nav-toggle-label">{t('common:nav.menu')}</span>
          </button>
          <nav id={navId} aria-label={t('common:nav.label')} className={navOpen ? 'nav nav-open' : 'nav'}>
            <ul>
              {main.map((link) => (
                <li key={`${link.to}-${link.labelKey}`}>
                  <NavLink to={link.to} end={link.to === '/mentoring'}>
                    {t(link.labelKey)}
                  </NavLink>
                </li>
              ))}
              {admin.length > 0 && (
                <li>
                  <Menu
                    align="start"
                    trigger={t('common:nav.admin')}
                    items={admin.map((link) => ({
                      key: link.to,
                      label: t(link.labelKey),
                      to: link.to,
                      current: location.pathname.startsWith(link.to),
                    }))}
                  />
                </li>
              )}
            </ul>
          </nav>
          <div className="topbar-end">
            <LanguageMenu />
            {session ? (
              <AccountMenu session={session} />
            ) : (
              <NavLink to="/sign-in" className="topbar-link">
                {t('common:nav.signIn')}
              </NavLink>
            )}
          </div>
        </div>
        {navigation.state === 'loading' && <div className="route-progress" aria-hidden="true" />}
      </header>
      <main id="main" tabIndex={-1}>
        {revoked && (
          <p role="alert" className="notice notice-error" data-testid="revoked-notice">
            {t(revoked)}
          </p>
        )}
        {signInKey && !session ? <MembersOnly messageKey={signInKey} /> : <Outlet />}
      </main>
      <footer className="footer">
        <NavLink to="/status">{t('common:nav.status')}</NavLink>
        <span>{t('common:footer.licence')}</span>
      </footer>
    </div>
  );
}
