import './styles.css';
import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { Route, Router, Switch } from 'wouter-preact';
import { api } from './api.ts';
import { ErrorBanner } from './components/error-banner.tsx';
import { Page } from './components/page.tsx';
import { formatter, pickLocale } from './format.ts';
import { FormatContext } from './format-context.ts';
import { I18nContext, initialLang, type Lang, storedLang, storeLang, translate } from './i18n/index.ts';
import { Layout } from './layout.tsx';
import { PAGES } from './routes.ts';
import { type Me, MeContext } from './session.ts';

function NotFound() {
  return <Page id="not-found" title="notFound.title" intro="notFound.body" />;
}

function App({ me }: { me: Me }) {
  const [lang, setLangState] = useState<Lang>(() => initialLang(storedLang(), navigator.languages ?? []));
  const i18n = useMemo(
    () => ({
      lang,
      t: (key: Parameters<typeof translate>[1], vars?: Parameters<typeof translate>[2]) =>
        translate(lang, key, vars),
      setLang(next: Lang) {
        storeLang(next);
        setLangState(next);
      },
    }),
    [lang],
  );
  document.documentElement.lang = lang;
  const format = useMemo(() => formatter(pickLocale(navigator.languages ?? [])), []);
  return (
    <I18nContext.Provider value={i18n}>
      <FormatContext.Provider value={format}>
        <MeContext.Provider value={me}>
          <Router base="/admin">
            <Layout>
              <Switch>
                {PAGES.map((p) => (
                  <Route key={p.path} path={p.path} component={p.component} />
                ))}
                <Route component={NotFound} />
              </Switch>
            </Layout>
          </Router>
        </MeContext.Provider>
      </FormatContext.Provider>
    </I18nContext.Provider>
  );
}

const root = document.getElementById('app')!;
// Who is signed in decides what is shown (viewers see no write button); a 401 goes to the login.
api<Me>('/api/admin/me').then(
  (me) => render(<App me={me} />, root),
  (err) => render(<ErrorBanner error={err} onRetry={() => location.reload()} />, root),
);
