import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { type MessageKey, useI18n } from '../i18n/index.ts';

/** A page's heading, its one-line purpose, and its body; the document title follows. */
export function Page(props: {
  id: string;
  title: MessageKey;
  intro?: MessageKey;
  children?: ComponentChildren;
}) {
  const { t } = useI18n();
  useEffect(() => {
    document.title = `${t(props.title)} · ${t('app.name')}`;
  }, [t, props.title]);
  return (
    <section class="page" id={`page-${props.id}`}>
      <h1>{t(props.title)}</h1>
      {props.intro && <p class="intro">{t(props.intro)}</p>}
      {props.children}
    </section>
  );
}

/** A page another change fills in: its place in the menu and its texts are reserved. */
export function Placeholder({ ns }: { ns: 'orders' | 'bookings' | 'clients' | 'whatsapp' }) {
  const { t } = useI18n();
  return (
    <Page id={ns} title={`${ns}.title`} intro={`${ns}.intro`}>
      <p class="empty">{t('placeholder.soon')}</p>
    </Page>
  );
}
