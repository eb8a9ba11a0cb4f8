-- CSV imports leave the HTTP tier (docs/staging.md, "CSV import"): the ingress streams the upload
-- into csv_upload_chunks (~1 MB each) and commits completed_at with the run turning 'queued';
-- worker-staging reads the chunks in seq order. The metadata row outlives its chunks (deleted
-- once the import succeeded), so an import keeps its size and sha256 for audit.
CREATE TABLE "csv_uploads" (
    "id" BIGSERIAL NOT NULL,
    "run_id" BIGINT NOT NULL,
    "import_id" TEXT NOT NULL,
    "filename" TEXT,
    "target" TEXT NOT NULL,
    "options" JSONB NOT NULL,
    "byte_size" BIGINT NOT NULL DEFAULT 0,
    "sha256" TEXT,
    "chunk_count" INTEGER NOT NULL DEFAULT 0,
    "completed_at" TIMESTAMPTZ(3),
    "chunks_deleted_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "csv_uploads_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "csv_uploads_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "sync_runs"("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "csv_uploads_run_id_key" ON "csv_uploads"("run_id");
CREATE UNIQUE INDEX "csv_uploads_import_id_key" ON "csv_uploads"("import_id");

CREATE TABLE "csv_upload_chunks" (
    "upload_id" BIGINT NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    CONSTRAINT "csv_upload_chunks_pkey" PRIMARY KEY ("upload_id", "seq"),
    CONSTRAINT "csv_upload_chunks_upload_id_fkey" FOREIGN KEY ("upload_id") REFERENCES "csv_uploads"("id") ON DELETE CASCADE
);
-- Stored as sent, without TOAST compression: the chunks live minutes, and compressing every
-- megabyte on the way in and out would cost both cores more than the disk it saves.
ALTER TABLE "csv_upload_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL;
