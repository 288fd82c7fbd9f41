-- CreateTable
CREATE TABLE "LambdaDeal" (
    "sessionId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "participantId" TEXT NOT NULL,
    "lambdaIndex" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LambdaDeal_pkey" PRIMARY KEY ("sessionId","stepId","participantId")
);

-- CreateTable
CREATE TABLE "RunningSweep" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "state" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RunningSweep_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RunningSweep_sessionId_idx" ON "RunningSweep"("sessionId");

