-- CreateTable
CREATE TABLE "JobResult" (
    "specHash" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "payload" BLOB NOT NULL,
    "size" INTEGER NOT NULL,
    "computeMs" REAL NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "JobResult_lastUsedAt_idx" ON "JobResult"("lastUsedAt");

