-- CreateTable
CREATE TABLE "InstructorSession" (
    "id" TEXT NOT NULL,
    "instructorId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "userAgent" TEXT,
    "address" TEXT,

    CONSTRAINT "InstructorSession_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "InstructorSession_instructorId_createdAt_idx" ON "InstructorSession"("instructorId", "createdAt");

