-- The console shows each WhatsApp number's state (docs/whatsapp.md, docs/console.md): "repaired" is a
-- row whose generated wsp- id a sync replaced with Meta's, or that took a wsp- twin's queue.
ALTER TABLE "crm_whatsapp_numbers" ADD COLUMN "repaired_at" TIMESTAMPTZ(3);
