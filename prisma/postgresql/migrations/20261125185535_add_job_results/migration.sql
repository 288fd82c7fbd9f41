-- CreateTable
CREATE TABLE "JobResult" (
    "specHash" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "payload" BYTEA NOT NULL,
    "size" INTEGER NOT NULL,
    "computeMs" DOUBLE PRECISION NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "JobResult_pkey" PRIMARY KEY ("specHash")
);

-- CreateIndex
CREATE INDEX "JobResult_lastUsedAt_idx" ON "JobResult"("lastUsedAt");

