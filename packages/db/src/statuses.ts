/**
 * The closed sets of our own state columns, defined once. The database enforces the same sets
 * with CHECK constraints (migration 20261201234000_state_checks); packages/db/test/state-checks.test.ts fails
 * when the two disagree. Columns that hold a provider's value (a booking's Beds24 status, an
 * order's status from the chat flow, a Stripe invoice status) are stored as sent and not listed.
 */
export const STATE_COLUMNS = {
  webhook_events: {
    /** received → queued → processed | ignored | failed, or rejected at intake. */
    status: ['received', 'queued', 'processed', 'failed', 'rejected', 'ignored'],
  },
  sync_runs: {
    status: ['queued', 'running', 'succeeded', 'failed', 'cancelled'],
    /** sync and unify (Sync Command Center), backfill (Beds24), import (CSV), scheduled (SIIGO stock). */
    kind: ['sync', 'unify', 'backfill', 'import', 'scheduled'],
  },
  merge_conflicts: {
    status: ['open', 'resolved'],
    choice: ['existing', 'incoming'],
  },
  identity_decisions: {
    kind: ['merge', 'split'],
  },
  blocked_identifiers: {
    kind: ['email', 'phone'],
    reason: ['denylist', 'placeholder', 'cardinality'],
  },
} as const;

type States = typeof STATE_COLUMNS;
export type WebhookEventStatus = States['webhook_events']['status'][number];
export type SyncRunStatus = States['sync_runs']['status'][number];
export type SyncRunKind = States['sync_runs']['kind'][number];
export type MergeConflictStatus = States['merge_conflicts']['status'][number];

export const WEBHOOK_EVENT_STATUSES = STATE_COLUMNS.webhook_events.status;
export const SYNC_RUN_STATUSES = STATE_COLUMNS.sync_runs.status;
