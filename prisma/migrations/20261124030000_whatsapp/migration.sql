-- CreateTable
CREATE TABLE "crm_queues" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "crm_queues_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "crm_whatsapp_numbers" (
    "id" SERIAL NOT NULL,
    "number_id" TEXT NOT NULL,
    "phone_number" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "waba_id" TEXT,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "queue_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "crm_whatsapp_numbers_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "crm_whatsapp_numbers_number_id_key" ON "crm_whatsapp_numbers"("number_id");

-- CreateIndex
CREATE INDEX "crm_whatsapp_numbers_phone_number_idx" ON "crm_whatsapp_numbers"("phone_number");

-- CreateIndex
CREATE INDEX "crm_whatsapp_numbers_queue_id_idx" ON "crm_whatsapp_numbers"("queue_id");

-- AddForeignKey
ALTER TABLE "crm_whatsapp_numbers" ADD CONSTRAINT "crm_whatsapp_numbers_queue_id_fkey" FOREIGN KEY ("queue_id") REFERENCES "crm_queues"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
