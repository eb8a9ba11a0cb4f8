import { createHash } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { JOBS, type Producer, QUEUES } from '@cauce/queues';
import type { Logger } from '@cauce/runtime';

/**
 * Enqueues a sync for the file as it is now. The job id is derived from the content and mtime:
 * replicas that see the same change (a shared volume) add one job, while every real edit,
 * even back to an earlier content, gets its own. A missing file enqueues nothing: the sync
 * would only fail, and the table must not change because of it.
 */
export async function enqueueFileSync(producer: Producer, file: string, log: Logger): Promise<string | null> {
  let content: Buffer;
  let mtimeMs: number;
  try {
    [content, { mtimeMs }] = await Promise.all([readFile(file), stat(file)]);
  } catch (err) {
    log.warn({ file, err: (err as Error).message }, 'connections file not readable; no sync enqueued');
    return null;
  }
  const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);
  const job = await producer.add(
    QUEUES.whatsappNumbers,
    JOBS.whatsappNumbersSync,
    { trigger: 'file' },
    { dedupeKey: `file-${hash}-${Math.floor(mtimeMs)}` },
  );
  log.info({ file, jobId: job.id }, 'connections file sync enqueued');
  return job.id ?? null;
}

export interface FileWatcher {
  readonly state: 'watching' | 'error';
  close(): void;
}

/**
 * Watches the file's DIRECTORY (editors and deploy tools replace files by rename, which a watch
 * on the file itself stops following) and calls onChange once the events have been quiet for
 * debounceMs.
 */
export function watchFile(file: string, debounceMs: number, onChange: () => void, log: Logger): FileWatcher {
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  let state: FileWatcher['state'] = 'watching';
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      // Some platforms give no file name: treat it as possibly ours.
      if (changed && changed.toString() !== name) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
    watcher.on('error', (err) => {
      state = 'error';
      log.error({ err, file }, 'connections file watcher failed; relying on the hourly sync');
    });
  } catch (err) {
    state = 'error';
    log.error({ err, file }, 'cannot watch the connections file directory; relying on the hourly sync');
  }
  return {
    get state() {
      return state;
    },
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
