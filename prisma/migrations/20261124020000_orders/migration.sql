-- CreateTable
CREATE TABLE "orders" (
    "id" SERIAL NOT NULL,
    "session_id" TEXT NOT NULL,
    "customer_name" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "email" TEXT,
    "address" TEXT NOT NULL,
    "city" TEXT NOT NULL,
    "department" TEXT NOT NULL,
    "pack" TEXT NOT NULL,
    "price" DECIMAL(12,2) NOT NULL,
    "status" TEXT NOT NULL,
    "synced_to_bigin" BOOLEAN NOT NULL DEFAULT false,
    "bigin_order_id" TEXT,
    "sync_error" TEXT,
    "last_sync_at" TIMESTAMPTZ(3),
    "idempotency_key" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "orders_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "actions_log" (
    "id" SERIAL NOT NULL,
    "order_id" INTEGER,
    "action_type" TEXT NOT NULL,
    "action_data" JSONB,
    "success" BOOLEAN NOT NULL,
    "error_message" TEXT,
    "workflow_name" TEXT,
    "execution_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "actions_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "orders_idempotency_key_key" ON "orders"("idempotency_key");

-- CreateIndex
CREATE INDEX "orders_synced_to_bigin_created_at_idx" ON "orders"("synced_to_bigin", "created_at");

-- CreateIndex
CREATE INDEX "orders_session_id_idx" ON "orders"("session_id");

-- CreateIndex
CREATE INDEX "actions_log_order_id_idx" ON "actions_log"("order_id");

-- CreateIndex
CREATE INDEX "actions_log_created_at_idx" ON "actions_log"("created_at");

-- AddForeignKey
ALTER TABLE "actions_log" ADD CONSTRAINT "actions_log_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE SET NULL ON UPDATE CASCADE;
