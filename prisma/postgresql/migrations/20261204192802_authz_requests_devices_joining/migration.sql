-- AlterTable
ALTER TABLE "LiveSession" ADD COLUMN     "joiningClosed" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Participant" ADD COLUMN     "deviceHash" TEXT;

-- CreateTable
CREATE TABLE "RequestRecord" (
    "scope" TEXT NOT NULL,
    "requestId" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "result" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RequestRecord_pkey" PRIMARY KEY ("scope","requestId")
);

-- CreateIndex
CREATE INDEX "RequestRecord_sessionId_idx" ON "RequestRecord"("sessionId");

-- CreateIndex
CREATE INDEX "RequestRecord_createdAt_idx" ON "RequestRecord"("createdAt");

-- CreateIndex
CREATE INDEX "Participant_sessionId_deviceHash_idx" ON "Participant"("sessionId", "deviceHash");

-- AddForeignKey
ALTER TABLE "RequestRecord" ADD CONSTRAINT "RequestRecord_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "LiveSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;

