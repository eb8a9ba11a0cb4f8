import { ApiError } from '../api.ts';
import { useI18n } from '../i18n/index.ts';

/** An error in words an operator can act on, with a retry when one helps. */
export function ErrorBanner({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  if (!error) return null;
  const text =
    error instanceof ApiError
      ? error.code === 'network'
        ? t('error.network')
        : error.status === 403
          ? t('error.forbidden')
          : t('error.server', { status: error.status, message: error.message })
      : String((error as Error)?.message ?? error);
  return (
    <div class="error-banner" role="alert">
      <strong>{t('error.title')}</strong> <span class="error-text">{text}</span>
      {onRetry && (
        <button type="button" class="link" onClick={onRetry}>
          {t('error.retry')}
        </button>
      )}
    </div>
  );
}
