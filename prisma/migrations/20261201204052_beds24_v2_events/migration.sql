-- "Has this entity been seen?" (a Beds24 V2 webhook for a booking never seen is its CREATED event):
-- one index probe per webhook instead of a scan of webhook_events.
CREATE INDEX "webhook_events_provider_entity_id_idx" ON "webhook_events"("provider", "entity_id");

-- The time of the Beds24 event that set bd_status: an older event arriving later (a MODIFY
-- redelivered after the CANCEL) does not move bd_status back.
ALTER TABLE "bookings" ADD COLUMN "bd_status_at" TIMESTAMPTZ(3);
