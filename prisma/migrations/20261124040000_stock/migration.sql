-- CreateTable
CREATE TABLE "products" (
    "id" BIGSERIAL NOT NULL,
    "siigo_product_id" TEXT NOT NULL,
    "code" TEXT,
    "name" TEXT NOT NULL,
    "stock" DECIMAL(18,4) NOT NULL DEFAULT 0,
    "warehouses" JSONB NOT NULL DEFAULT '[]',
    "active" BOOLEAN NOT NULL DEFAULT true,
    "last_source" TEXT,
    "last_sync_at" TIMESTAMPTZ(3),
    "siigo_updated_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "products_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stock_changes" (
    "id" BIGSERIAL NOT NULL,
    "product_id" BIGINT NOT NULL,
    "siigo_product_id" TEXT NOT NULL,
    "old_stock" DECIMAL(18,4),
    "new_stock" DECIMAL(18,4) NOT NULL,
    "source" TEXT NOT NULL,
    "webhook_event_id" BIGINT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stock_changes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_subscriptions" (
    "id" BIGSERIAL NOT NULL,
    "provider" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "application_id" TEXT,
    "company_key" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "raw" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_subscriptions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "products_siigo_product_id_key" ON "products"("siigo_product_id");

-- CreateIndex
CREATE INDEX "products_updated_at_idx" ON "products"("updated_at");

-- CreateIndex
CREATE INDEX "stock_changes_product_id_created_at_idx" ON "stock_changes"("product_id", "created_at");

-- CreateIndex
CREATE INDEX "stock_changes_created_at_idx" ON "stock_changes"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_subscriptions_provider_topic_url_key" ON "webhook_subscriptions"("provider", "topic", "url");

-- AddForeignKey
ALTER TABLE "stock_changes" ADD CONSTRAINT "stock_changes_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "products"("id") ON DELETE CASCADE ON UPDATE CASCADE;
