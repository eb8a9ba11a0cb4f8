import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useI18n } from '../i18n/index.ts';
import { useIsAdmin } from '../session.ts';

/**
 * A write action: absent for viewers (the server refuses them anyway). With `confirm`, a first
 * press asks and a second one does it. Disabled while the action runs.
 */
export function ConfirmButton(props: {
  id?: string;
  class?: string;
  confirm?: boolean;
  onConfirm: () => Promise<unknown> | unknown;
  children: ComponentChildren;
  disabled?: boolean;
}) {
  const admin = useIsAdmin();
  const { t } = useI18n();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  if (!admin) return null;
  const run = async () => {
    if (props.confirm && !asking) return setAsking(true);
    setAsking(false);
    setBusy(true);
    try {
      await props.onConfirm();
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="confirm">
      <button
        type="button"
        id={props.id}
        class={`${props.class ?? ''}${asking ? ' asking' : ''}`}
        disabled={busy || props.disabled}
        onClick={run}
      >
        {busy ? t('confirm.working') : asking ? t('confirm.ask') : props.children}
      </button>
      {asking && (
        <button type="button" class="link" onClick={() => setAsking(false)}>
          {t('confirm.cancel')}
        </button>
      )}
    </span>
  );
}
