// The frame of every signed-in screen: header with navigation (a menu button below 800 px),
// language switch and sign-out.

import { useState, type ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { useConsoleSettings } from '../api/campaigns';
import { signOut } from '../auth/session';
import { useSession } from '../auth/useSession';
import type { MessageKey } from '../i18n/dictionary';
import { useI18n } from '../i18n/I18nProvider';
import { LanguageSelect } from './LanguageSelect';

interface NavItem {
  href: string;
  label: MessageKey;
  superAdminOnly?: boolean;
  /** Shown only on a provider with a template catalog (Meta). */
  templatesOnly?: boolean;
}

const NAV_ITEMS: NavItem[] = [
  { href: '/', label: 'nav.dashboard' },
  { href: '/contacts', label: 'nav.contacts' },
  { href: '/categories', label: 'nav.categories' },
  { href: '/campaigns', label: 'nav.campaigns' },
  { href: '/messages', label: 'nav.messages' },
  { href: '/monitoring', label: 'nav.monitoring' },
  { href: '/templates', label: 'nav.templates', templatesOnly: true },
  { href: '/users', label: 'nav.users', superAdminOnly: true },
  { href: '/audit', label: 'nav.audit', superAdminOnly: true },
];

function isCurrent(href: string, location: string): boolean {
  return href === '/' ? location === '/' : location === href || location.startsWith(`${href}/`);
}

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const session = useSession();
  const [location, navigate] = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const user = session.status === 'signedIn' ? session.user : null;
  const usesTemplates = useConsoleSettings().data?.templates ?? false;
  const items = NAV_ITEMS.filter(
    (item) => (!item.superAdminOnly || user?.role === 'super_admin') && (!item.templatesOnly || usesTemplates),
  );

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className="header">
        <div className="header-bar">
          <Link href="/" className="brand">
            {t('app.title')}
          </Link>
          <button
            type="button"
            className="button menu-button"
            aria-expanded={menuOpen}
            aria-controls="main-nav"
            onClick={() => setMenuOpen((open) => !open)}
          >
            {t('nav.menu')}
          </button>
        </div>
        <nav id="main-nav" className={menuOpen ? 'nav nav-open' : 'nav'} aria-label={t('nav.label')}>
          <ul>
            {items.map((item) => (
              <li key={item.href}>
                <Link
                  href={item.href}
                  className="nav-link"
                  aria-current={isCurrent(item.href, location) ? 'page' : undefined}
                  onClick={() => setMenuOpen(false)}
                >
                  {t(item.label)}
                </Link>
              </li>
            ))}
          </ul>
          <div className="header-tools">
            <LanguageSelect className="language-switch" />
            {user && (
              <span className="user-name" title={user.email}>
                {user.full_name || user.email}
              </span>
            )}
            <button
              type="button"
              className="button"
              onClick={() => {
                navigate('/');
                void signOut();
              }}
            >
              {t('nav.signOut')}
            </button>
          </div>
        </nav>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
