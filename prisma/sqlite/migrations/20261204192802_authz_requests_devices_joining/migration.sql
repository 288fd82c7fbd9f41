-- AlterTable
ALTER TABLE "Participant" ADD COLUMN "deviceHash" TEXT;

-- CreateTable
CREATE TABLE "RequestRecord" (
    "scope" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "result" JSONB NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("scope", "requestId"),
    CONSTRAINT "RequestRecord_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "LiveSession" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- AlterTable (a plain ADD COLUMN: redefining LiveSession would cascade-delete its rows inside the runner's transaction)
ALTER TABLE "LiveSession" ADD COLUMN "joiningClosed" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "RequestRecord_sessionId_idx" ON "RequestRecord"("sessionId");

-- CreateIndex
CREATE INDEX "RequestRecord_createdAt_idx" ON "RequestRecord"("createdAt");

-- CreateIndex
CREATE INDEX "Participant_sessionId_deviceHash_idx" ON "Participant"("sessionId", "deviceHash");

