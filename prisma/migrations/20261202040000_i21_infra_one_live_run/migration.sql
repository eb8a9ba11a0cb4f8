-- One live run per source of the Sync Command Center (sync and unify runs) is a database
-- constraint, not a check-then-insert: two replicas of the ingress answering "Sync" at the same
-- moment can no longer both insert. Backfills, CSV imports and scheduled SIIGO runs are not
-- covered (several may be live at once, or a lease already orders them).
-- Live duplicates the old race may have left end cancelled first; the newest one stays.
UPDATE sync_runs r
   SET status = 'cancelled', error = 'superseded: a newer run of this source was live',
       finished_at = now(), updated_at = now()
 WHERE r.kind IN ('sync', 'unify') AND r.status IN ('queued', 'running')
   AND EXISTS (SELECT 1 FROM sync_runs n
                WHERE n.source = r.source AND n.kind IN ('sync', 'unify')
                  AND n.status IN ('queued', 'running') AND n.id > r.id);

CREATE UNIQUE INDEX "sync_runs_one_live_run_per_source" ON "sync_runs" ("source")
 WHERE "kind" IN ('sync', 'unify') AND "status" IN ('queued', 'running');
