import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, type RequestOptions } from './api.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again now (after an action). */
  reload(): Promise<void>;
}

/**
 * GET `path` now and every `everyMs` (0: once), while the page is shown; the last good answer
 * stays on screen while a reload is under way or fails.
 */
export function useApi<T>(path: string | null, opts: RequestOptions = {}, everyMs = 0): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(path !== null);
  const key = path === null ? null : JSON.stringify([path, opts.query ?? null]);
  const current = useRef(key);
  current.current = key;
  const load = useCallback(async () => {
    if (path === null) return;
    const asked = key;
    setLoading(true);
    try {
      const out = await api<T>(path, opts);
      if (current.current === asked) {
        setData(out);
        setError(null);
      }
    } catch (err) {
      if (current.current === asked) setError(err);
    } finally {
      if (current.current === asked) setLoading(false);
    }
  }, [key]); // the key stands for path and query
  useEffect(() => {
    void load();
    if (!everyMs) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void load();
    }, everyMs);
    return () => clearInterval(timer);
  }, [load, everyMs]);
  return { data, error, loading, reload: load };
}

export interface Action {
  /** What the last action said it did (empty: nothing yet). */
  notice: string;
  /** Why the last action failed (null: it did not). */
  failure: unknown;
  /** Runs `work`, shows its message or its error, then reloads what `after` names. */
  act(work: () => Promise<string>): Promise<void>;
}

/** One place for a page's write buttons: a notice on success, a banner on failure, a reload after. */
export function useAction(after?: () => Promise<unknown>): Action {
  const [notice, setNotice] = useState('');
  const [failure, setFailure] = useState<unknown>(null);
  const act = async (work: () => Promise<string>) => {
    setFailure(null);
    try {
      setNotice(await work());
    } catch (err) {
      setFailure(err);
    }
    if (after) await after();
  };
  return { notice, failure, act };
}
