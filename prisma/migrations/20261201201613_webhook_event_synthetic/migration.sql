-- A test event of POST /api/webhooks/test is marked here, out of band: only that admin route sets
-- it, and worker-stock reads it instead of anything in the (provider-controlled) payload.
ALTER TABLE "webhook_events" ADD COLUMN "synthetic" BOOLEAN NOT NULL DEFAULT false;
