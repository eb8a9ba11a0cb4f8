-- Identity resolution (issue 18, docs/staging.md "Merge rules").

-- A phone is not unique to a person: a household shares one between two clients.
DROP INDEX "clients_phone_e164_key";
CREATE INDEX "clients_phone_e164_idx" ON "clients"("phone_e164");

-- Retired clients (no source record left, or merged into another) keep their row and a pointer.
ALTER TABLE "clients" ADD COLUMN "retired_at" TIMESTAMPTZ(3);
ALTER TABLE "clients" ADD COLUMN "merged_into" BIGINT;

-- Cross-references carried by custom fields (configured field ids), used as keys.
ALTER TABLE "manychat_contacts_raw" ADD COLUMN "stripe_customer_ref" TEXT;
ALTER TABLE "manychat_contacts_raw" ADD COLUMN "ghl_contact_ref" TEXT;
ALTER TABLE "ghl_contacts_raw" ADD COLUMN "stripe_customer_ref" TEXT;

-- PayPal payers as a contact source (one row per payer account id).
CREATE TABLE "paypal_payers_raw" (
    "id" BIGSERIAL NOT NULL,
    "payer_id" TEXT NOT NULL,
    "email" TEXT,
    "phone_e164" TEXT,
    "name" TEXT,
    "payload" JSONB NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "merged_at" TIMESTAMPTZ(3),
    "client_id" BIGINT,

    CONSTRAINT "paypal_payers_raw_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "paypal_payers_raw_payer_id_key" ON "paypal_payers_raw"("payer_id");
CREATE INDEX "paypal_payers_raw_email_idx" ON "paypal_payers_raw"("email");

-- Operator decisions (merge two clients, split a record out), append-only audit. Unify reads the
-- active ones on every run, so an operator's decision is never undone by the next run.
CREATE TABLE "identity_decisions" (
    "id" BIGSERIAL NOT NULL,
    "kind" TEXT NOT NULL,
    "client_id" BIGINT NOT NULL,
    "other_client_id" BIGINT,
    "record" TEXT,
    "other_record" TEXT,
    "actor" TEXT NOT NULL,
    "note" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "identity_decisions_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "identity_decisions_active_idx" ON "identity_decisions"("active");

-- The last unify run's complete blocked-identifier report (replaced by every run).
CREATE TABLE "blocked_identifiers" (
    "kind" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "seen" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "blocked_identifiers_pkey" PRIMARY KEY ("kind", "value")
);
