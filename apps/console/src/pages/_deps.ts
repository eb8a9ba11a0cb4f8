/**
 * TEMPORARY (until the console scaffold is merged): the few things the domain pages need from
 * the scaffold — JSON calls, texts, locale formats — so the pages can be written before it lands.
 * Replaced at merge by the scaffold's api client, i18n and format helpers.
 */
export type Role = 'admin' | 'viewer';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { error?: string; message?: string } | null,
  ) {
    super(body?.message ?? `HTTP ${status}`);
  }
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
  if (!res.ok) throw new ApiError(res.status, json);
  return json as T;
}

const TEXTS: Record<string, string> = {};
export const t = (key: string, vars: Record<string, string | number> = {}) =>
  (TEXTS[key] ?? key).replace(/\{(\w+)\}/g, (_m, k: string) => String(vars[k] ?? ''));

export const formatMoney = (v: string | number | null, currency = 'COP') =>
  v === null
    ? '—'
    : new Intl.NumberFormat('es-CO', {
        style: 'currency',
        currency: currency.toUpperCase(),
        maximumFractionDigits: 0,
      }).format(Number(v));
export const formatDate = (v: string | null) =>
  v ? new Intl.DateTimeFormat('es-CO', { dateStyle: 'short', timeZone: 'UTC' }).format(new Date(v)) : '—';
export const formatDateTime = (v: string | null) =>
  v ? new Intl.DateTimeFormat('es-CO', { dateStyle: 'short', timeStyle: 'short' }).format(new Date(v)) : '—';
export const formatNumber = (v: number) => new Intl.NumberFormat('es-CO').format(v);
