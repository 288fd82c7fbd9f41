-- CreateTable
CREATE TABLE "Assignment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "courseId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "steps" JSONB NOT NULL,
    "opensAt" DATETIME NOT NULL,
    "dueAt" DATETIME NOT NULL,
    "latePolicy" JSONB NOT NULL,
    "releasedAt" DATETIME,
    "createdById" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Assignment_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "Course" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AssignmentExtension" (
    "assignmentId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "dueAt" DATETIME NOT NULL,

    PRIMARY KEY ("assignmentId", "accountId"),
    CONSTRAINT "AssignmentExtension_assignmentId_fkey" FOREIGN KEY ("assignmentId") REFERENCES "Assignment" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AssignmentDraft" (
    "assignmentId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "draft" JSONB NOT NULL,
    "updatedAt" DATETIME NOT NULL,

    PRIMARY KEY ("assignmentId", "accountId", "stepId"),
    CONSTRAINT "AssignmentDraft_assignmentId_fkey" FOREIGN KEY ("assignmentId") REFERENCES "Assignment" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AssignmentSubmission" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "assignmentId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "requestId" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "result" JSONB NOT NULL,
    "resultImageHash" TEXT,
    "tensorHash" TEXT,
    "submittedAt" DATETIME NOT NULL,
    "lateDays" INTEGER NOT NULL,
    "penaltyPercent" REAL NOT NULL,
    "auto" JSONB,
    "manual" JSONB,
    "overridePoints" REAL,
    "overrideReason" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AssignmentSubmission_assignmentId_fkey" FOREIGN KEY ("assignmentId") REFERENCES "Assignment" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "GradeEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "submissionId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "byId" TEXT,
    "data" JSONB NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "GradeEvent_submissionId_fkey" FOREIGN KEY ("submissionId") REFERENCES "AssignmentSubmission" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "Assignment_courseId_idx" ON "Assignment"("courseId");

-- CreateIndex
CREATE INDEX "AssignmentSubmission_assignmentId_stepId_idx" ON "AssignmentSubmission"("assignmentId", "stepId");

-- CreateIndex
CREATE UNIQUE INDEX "AssignmentSubmission_assignmentId_accountId_stepId_attempt_key" ON "AssignmentSubmission"("assignmentId", "accountId", "stepId", "attempt");

-- CreateIndex
CREATE UNIQUE INDEX "AssignmentSubmission_accountId_requestId_key" ON "AssignmentSubmission"("accountId", "requestId");

-- CreateIndex
CREATE INDEX "GradeEvent_submissionId_idx" ON "GradeEvent"("submissionId");

