-- CreateTable
CREATE TABLE "LambdaDeal" (
    "sessionId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "lambdaIndex" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("sessionId", "stepId", "participantId")
);

-- CreateTable
CREATE TABLE "RunningSweep" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "state" JSONB NOT NULL,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE INDEX "RunningSweep_sessionId_idx" ON "RunningSweep"("sessionId");

