-- Our own state columns take only the values the code writes (packages/db/src/statuses.ts, the
-- one list; packages/db/test/state-checks.test.ts keeps the two equal). A typo in a worker now
-- fails its write loudly instead of leaving a row in a state no screen or redrive looks for.
ALTER TABLE "webhook_events" ADD CONSTRAINT "webhook_events_status_check"
  CHECK ("status" IN ('received', 'queued', 'processed', 'failed', 'rejected', 'ignored'));
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_status_check"
  CHECK ("status" IN ('queued', 'running', 'succeeded', 'failed', 'cancelled'));
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_kind_check"
  CHECK ("kind" IN ('sync', 'unify', 'backfill', 'import', 'scheduled'));
ALTER TABLE "merge_conflicts" ADD CONSTRAINT "merge_conflicts_status_check"
  CHECK ("status" IN ('open', 'resolved'));
ALTER TABLE "merge_conflicts" ADD CONSTRAINT "merge_conflicts_choice_check"
  CHECK ("choice" IN ('existing', 'incoming'));
ALTER TABLE "identity_decisions" ADD CONSTRAINT "identity_decisions_kind_check"
  CHECK ("kind" IN ('merge', 'split'));
ALTER TABLE "blocked_identifiers" ADD CONSTRAINT "blocked_identifiers_kind_check"
  CHECK ("kind" IN ('email', 'phone'));
ALTER TABLE "blocked_identifiers" ADD CONSTRAINT "blocked_identifiers_reason_check"
  CHECK ("reason" IN ('denylist', 'placeholder', 'cardinality'));
