import type { Db } from '@cauce/db';

/** workflow_name of every actions_log row this worker writes (the n8n workflow's name). */
export const WORKFLOW_SYNC = 'sync-bigin';
export const WORKFLOW_NOTIFY = 'notify-callbell';

export const ACTIONS = {
  biginCreated: 'bigin_order_created',
  biginFailed: 'bigin_order_failed',
  callbellSent: 'callbell_message_sent',
  callbellFailed: 'callbell_message_failed',
  /** The order's phone cannot be normalised to E.164: notified nowhere, on purpose. */
  callbellSkipped: 'callbell_message_skipped',
} as const;

/** JSON-safe copy for a JSONB column (drops undefined, turns errors into text). */
export function jsonSafe(value: unknown): object {
  return JSON.parse(JSON.stringify(value ?? null) ?? 'null') ?? {};
}

export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];
