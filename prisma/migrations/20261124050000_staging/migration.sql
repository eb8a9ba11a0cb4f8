-- CreateTable
CREATE TABLE "ghl_contacts_raw" (
    "id" BIGSERIAL NOT NULL,
    "ghl_contact_id" TEXT NOT NULL,
    "location_id" TEXT,
    "email" TEXT,
    "phone_e164" TEXT,
    "name" TEXT,
    "payload" JSONB NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "merged_at" TIMESTAMPTZ(3),
    "client_id" BIGINT,

    CONSTRAINT "ghl_contacts_raw_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "manychat_contacts_raw" (
    "id" BIGSERIAL NOT NULL,
    "subscriber_id" TEXT NOT NULL,
    "email" TEXT,
    "phone_e164" TEXT,
    "name" TEXT,
    "via" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "merged_at" TIMESTAMPTZ(3),
    "client_id" BIGINT,

    CONSTRAINT "manychat_contacts_raw_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "csv_imports_raw" (
    "id" BIGSERIAL NOT NULL,
    "import_id" TEXT NOT NULL,
    "row_number" INTEGER NOT NULL,
    "email" TEXT,
    "phone_e164" TEXT,
    "name" TEXT,
    "external_id" TEXT,
    "payload" JSONB NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "merged_at" TIMESTAMPTZ(3),
    "client_id" BIGINT,

    CONSTRAINT "csv_imports_raw_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stripe_customers_raw" (
    "id" BIGSERIAL NOT NULL,
    "stripe_customer_id" TEXT NOT NULL,
    "email" TEXT,
    "phone_e164" TEXT,
    "name" TEXT,
    "source_created_at" TIMESTAMPTZ(3),
    "payload" JSONB NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "merged_at" TIMESTAMPTZ(3),
    "client_id" BIGINT,

    CONSTRAINT "stripe_customers_raw_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "transactions" (
    "id" BIGSERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "source_id" TEXT NOT NULL,
    "customer_ref" TEXT,
    "email" TEXT,
    "amount" DECIMAL(18,4),
    "currency" TEXT,
    "status" TEXT,
    "source_created_at" TIMESTAMPTZ(3),
    "payload" JSONB NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "merged_at" TIMESTAMPTZ(3),
    "client_id" BIGINT,

    CONSTRAINT "transactions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "invoices" (
    "id" BIGSERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "source_id" TEXT NOT NULL,
    "customer_ref" TEXT,
    "email" TEXT,
    "status" TEXT,
    "currency" TEXT,
    "total" DECIMAL(18,4),
    "source_created_at" TIMESTAMPTZ(3),
    "payload" JSONB NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "merged_at" TIMESTAMPTZ(3),
    "client_id" BIGINT,

    CONSTRAINT "invoices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "subscriptions" (
    "id" BIGSERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "source_id" TEXT NOT NULL,
    "customer_ref" TEXT,
    "email" TEXT,
    "status" TEXT,
    "source_created_at" TIMESTAMPTZ(3),
    "payload" JSONB NOT NULL,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "merged_at" TIMESTAMPTZ(3),
    "client_id" BIGINT,

    CONSTRAINT "subscriptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "clients" (
    "id" BIGSERIAL NOT NULL,
    "stripe_customer_id" TEXT,
    "email" TEXT,
    "phone_e164" TEXT,
    "ghl_contact_id" TEXT,
    "manychat_subscriber_id" TEXT,
    "name" TEXT,
    "email_source" TEXT,
    "phone_source" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "clients_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "merge_conflicts" (
    "id" BIGSERIAL NOT NULL,
    "client_id" BIGINT NOT NULL,
    "field" TEXT NOT NULL,
    "existing_value" TEXT,
    "existing_source" TEXT,
    "incoming_value" TEXT NOT NULL,
    "incoming_source" TEXT NOT NULL,
    "incoming_source_id" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "choice" TEXT,
    "resolved_by" TEXT,
    "resolved_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "merge_conflicts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ghl_contacts_raw_ghl_contact_id_key" ON "ghl_contacts_raw"("ghl_contact_id");

-- CreateIndex
CREATE INDEX "ghl_contacts_raw_email_idx" ON "ghl_contacts_raw"("email");

-- CreateIndex
CREATE INDEX "ghl_contacts_raw_phone_e164_idx" ON "ghl_contacts_raw"("phone_e164");

-- CreateIndex
CREATE UNIQUE INDEX "manychat_contacts_raw_subscriber_id_key" ON "manychat_contacts_raw"("subscriber_id");

-- CreateIndex
CREATE INDEX "manychat_contacts_raw_email_idx" ON "manychat_contacts_raw"("email");

-- CreateIndex
CREATE INDEX "manychat_contacts_raw_phone_e164_idx" ON "manychat_contacts_raw"("phone_e164");

-- CreateIndex
CREATE UNIQUE INDEX "csv_imports_raw_import_id_row_number_key" ON "csv_imports_raw"("import_id", "row_number");

-- CreateIndex
CREATE INDEX "csv_imports_raw_email_idx" ON "csv_imports_raw"("email");

-- CreateIndex
CREATE UNIQUE INDEX "stripe_customers_raw_stripe_customer_id_key" ON "stripe_customers_raw"("stripe_customer_id");

-- CreateIndex
CREATE INDEX "stripe_customers_raw_email_idx" ON "stripe_customers_raw"("email");

-- CreateIndex
CREATE INDEX "transactions_customer_ref_idx" ON "transactions"("customer_ref");

-- CreateIndex
CREATE UNIQUE INDEX "transactions_source_source_id_key" ON "transactions"("source", "source_id");

-- CreateIndex
CREATE UNIQUE INDEX "invoices_source_source_id_key" ON "invoices"("source", "source_id");

-- CreateIndex
CREATE UNIQUE INDEX "subscriptions_source_source_id_key" ON "subscriptions"("source", "source_id");

-- CreateIndex
CREATE UNIQUE INDEX "clients_stripe_customer_id_key" ON "clients"("stripe_customer_id");

-- CreateIndex
CREATE UNIQUE INDEX "clients_email_key" ON "clients"("email");

-- CreateIndex
CREATE UNIQUE INDEX "clients_phone_e164_key" ON "clients"("phone_e164");

-- CreateIndex
CREATE UNIQUE INDEX "clients_ghl_contact_id_key" ON "clients"("ghl_contact_id");

-- CreateIndex
CREATE UNIQUE INDEX "clients_manychat_subscriber_id_key" ON "clients"("manychat_subscriber_id");

-- CreateIndex
CREATE INDEX "merge_conflicts_status_idx" ON "merge_conflicts"("status");

-- CreateIndex
CREATE UNIQUE INDEX "merge_conflicts_incoming_key" ON "merge_conflicts"("client_id", "field", "incoming_value", "incoming_source", "incoming_source_id");
