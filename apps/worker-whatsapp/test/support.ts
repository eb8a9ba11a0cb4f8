import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@cauce/runtime';
import { type TestEnv, workerTestEnv } from '@cauce/testkit';
import { pino } from 'pino';
import { afterAll } from 'vitest';
import { type WhatsappConfig, whatsappEnv } from '../src/config.ts';

/** A token that must never show up in the table, the report or the log. */
export const SECRET_TOKEN = 'EAAGsecretTOKENvalue0123456789';
export const VERIFY_TOKEN = 'verify-secret-4242';

export interface Connection {
  id?: string;
  alias?: string;
  phoneNumberId: string | number;
  displayNumber: string;
  accessToken?: string;
  verifyToken?: string;
  wabaId?: string;
  isActive?: boolean;
  createdAt?: string;
  updatedAt?: string;
  [extra: string]: unknown;
}

/** A connection in the connections file's own shape. */
export function connection(
  phoneNumberId: string,
  displayNumber: string,
  alias: string,
  extra: Partial<Omit<Connection, 'phoneNumberId'>> = {},
): Connection & { phoneNumberId: string } {
  return {
    id: `conn-${phoneNumberId}`,
    alias,
    displayNumber,
    accessToken: SECRET_TOKEN,
    verifyToken: VERIFY_TOKEN,
    wabaId: '102290129340398',
    isActive: true,
    createdAt: '2026-01-10T12:00:00.000Z',
    updatedAt: '2026-01-10T12:00:00.000Z',
    ...extra,
    phoneNumberId,
  };
}

/** A real directory with the connections file in it; removed after the file's tests. */
export async function connectionsDir() {
  const dir = await mkdtemp(join(tmpdir(), 'cauce-wa-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'connections.json');
  return {
    dir,
    file,
    /** Writes in place (what `echo > file` or a simple editor does). */
    write: (content: unknown) =>
      writeFile(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2)),
    /** Writes a temp file and renames it over the file (what deploy tools and many editors do). */
    replace: async (content: unknown) => {
      const tmp = join(dir, `.connections.${process.pid}.tmp`);
      await writeFile(tmp, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
      await rename(tmp, file);
    },
  };
}

/** A pino logger that keeps every line, to assert what reached the log. */
export function memoryLogger() {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  return { log, text: () => lines.join('') };
}

export function whatsappConfig(
  env: TestEnv,
  file: string,
  overrides: Record<string, string> = {},
): WhatsappConfig {
  return parseConfig(
    whatsappEnv,
    workerTestEnv(env, {
      WHATSAPP_CONNECTIONS_FILE: file,
      WHATSAPP_WATCH_DEBOUNCE_MS: '250',
      WHATSAPP_SYNC_SCHEDULE: 'false',
      ...overrides,
    }),
  );
}
