-- CreateTable
CREATE TABLE "bookings" (
    "id" BIGSERIAL NOT NULL,
    "booking_id" TEXT NOT NULL,
    "phone" TEXT,
    "guest_name" TEXT,
    "status" TEXT NOT NULL,
    "property_id" TEXT,
    "property_name" TEXT,
    "room_id" TEXT,
    "master_id" TEXT,
    "arrival" DATE,
    "departure" DATE,
    "num_nights" INTEGER,
    "total_persons" INTEGER,
    "total_charges" DECIMAL(14,2) NOT NULL DEFAULT 0,
    "total_payments" DECIMAL(14,2) NOT NULL DEFAULT 0,
    "balance" DECIMAL(14,2) NOT NULL DEFAULT 0,
    "base_price" DECIMAL(14,2),
    "channel" TEXT,
    "email" TEXT,
    "api_reference" TEXT,
    "notes" TEXT,
    "modified_date" TIMESTAMPTZ(3),
    "last_updated_bd" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "bd_status" TEXT NOT NULL,
    "charges" JSONB NOT NULL DEFAULT '[]',
    "payments" JSONB NOT NULL DEFAULT '[]',
    "messages" JSONB NOT NULL DEFAULT '[]',
    "info_items" JSONB NOT NULL DEFAULT '[]',
    "raw" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "bookings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "bookings_booking_id_key" ON "bookings"("booking_id");

-- CreateIndex
CREATE INDEX "bookings_arrival_idx" ON "bookings"("arrival");

-- CreateIndex
CREATE INDEX "bookings_status_idx" ON "bookings"("status");

-- CreateIndex
CREATE INDEX "bookings_modified_date_idx" ON "bookings"("modified_date");
