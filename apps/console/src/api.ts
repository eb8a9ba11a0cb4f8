/**
 * The console's one way to the ingress: same-origin fetch with the session cookie, JSON in and
 * out, failures as ApiError. A 401 means the session ended: the browser goes to the login form,
 * which sends it back here afterwards.
 */
export const LOGIN_PATH = '/api/admin/login';
export const LOGOUT_PATH = '/api/admin/logout';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The server's `error` code (`forbidden`, `not_found`…), or `network` when nothing answered. */
    readonly code: string,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function loginUrl(here: string = location.pathname + location.search): string {
  return `${LOGIN_PATH}?next=${encodeURIComponent(here)}`;
}

type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const init: RequestInit = {
    method: opts.method ?? 'GET',
    credentials: 'same-origin',
    // The session cookie's CSRF check wants this server as Origin on writes (plugins/auth.ts).
    referrerPolicy: 'same-origin',
    headers: { accept: 'application/json' },
  };
  if (opts.signal) init.signal = opts.signal;
  if (opts.body instanceof FormData) init.body = opts.body;
  else if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), init);
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', (err as Error).message);
  }
  return settle<T>(res.status, res.statusText, await res.text());
}

/** An answer's JSON, or its failure as ApiError (401: to the login form). */
function settle<T>(status: number, statusText: string, text: string): T {
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (status === 401) {
    location.assign(loginUrl());
    throw new ApiError(401, 'unauthorized', 'the session ended', body);
  }
  // Several routes answer 409 with a useful body (the run already under way): callers read it.
  if (status < 200 || status >= 300) {
    const b = (body ?? {}) as { error?: string; message?: string };
    throw new ApiError(status, b.error ?? `http_${status}`, b.message ?? statusText, body);
  }
  return body as T;
}

/**
 * POSTs a form with a file and reports the bytes sent as they go (fetch cannot report an
 * upload's progress; XMLHttpRequest can). Same answers and failures as `api`.
 */
export function upload<T>(
  path: string,
  form: FormData,
  opts: { query?: Query; onProgress?: (sent: number, total: number) => void } = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', withQuery(path, opts.query));
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) opts.onProgress?.(e.loaded, e.total);
    };
    xhr.onload = () => {
      try {
        resolve(settle<T>(xhr.status, xhr.statusText, xhr.responseText));
      } catch (err) {
        reject(err);
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'the upload broke off'));
    xhr.send(form);
  });
}
