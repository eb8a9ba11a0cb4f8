import type { ComponentChildren } from 'preact';
import { Link, useRoute } from 'wouter-preact';
import { LOGOUT_PATH } from './api.ts';
import { LANGS, type Lang, useI18n } from './i18n/index.ts';
import { PAGES } from './routes.ts';
import { useMe } from './session.ts';

const BOARD_PATH = '/api/admin/queues/ui';

function NavLink({ path, children }: { path: string; children: ComponentChildren }) {
  const [active] = useRoute(path);
  return (
    <Link href={path} class={active ? 'active' : ''} aria-current={active ? 'page' : undefined}>
      {children}
    </Link>
  );
}

/** Menu, who is signed in (and their role), the language switch and logout around every page. */
export function Layout({ children }: { children: ComponentChildren }) {
  const { t, lang, setLang } = useI18n();
  const me = useMe();
  return (
    <div class="shell">
      <nav class="sidebar" aria-label="menu">
        <div class="brand">{t('app.name')}</div>
        <ul>
          {PAGES.map((p) => (
            <li key={p.path}>
              <NavLink path={p.path}>{t(p.label)}</NavLink>
            </li>
          ))}
          <li class="sep">
            <a href={BOARD_PATH} id="nav-bull-board">
              {t('nav.bullBoard')}
            </a>
          </li>
          <li>
            <a href="/docs">{t('nav.api')}</a>
          </li>
        </ul>
      </nav>
      <div class="main">
        <header class="topbar">
          <span id="who" data-role={me.role}>
            {t('session.signedInAs', { user: me.user })} ·{' '}
            <span class={`role role-${me.role}`}>{t(`session.role.${me.role}`)}</span>
          </span>
          <label class="lang">
            {t('session.language')}{' '}
            <select
              id="lang"
              value={lang}
              onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}
            >
              {LANGS.map((l) => (
                <option key={l} value={l}>
                  {l === 'es' ? 'Español' : 'English'}
                </option>
              ))}
            </select>
          </label>
          <form method="post" action={LOGOUT_PATH} class="logout">
            <button type="submit" id="logout">
              {t('session.logout')}
            </button>
          </form>
        </header>
        {me.role === 'viewer' && (
          <p class="read-only" id="read-only">
            {t('session.readOnly')}
          </p>
        )}
        <main>{children}</main>
      </div>
    </div>
  );
}
