-- CreateTable
CREATE TABLE "Course" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "title" TEXT NOT NULL,
    "enrolCode" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "CourseMember" (
    "courseId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "studentNumber" TEXT,
    "source" TEXT NOT NULL,
    "droppedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("courseId", "accountId"),
    CONSTRAINT "CourseMember_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "Course" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "CourseMember_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Instructor" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PasswordToken" (
    "tokenHash" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "issuedById" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PasswordToken_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Instructor" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- AlterTable (written by hand: Prisma redefines the table, and dropping "Instructor" inside the runner's
-- transaction, where PRAGMA foreign_keys cannot be turned off, would cascade to every live session)
ALTER TABLE "Instructor" ADD COLUMN "role" TEXT NOT NULL DEFAULT 'instructor';
ALTER TABLE "Instructor" ADD COLUMN "approvedAt" DATETIME;
ALTER TABLE "Instructor" ADD COLUMN "isAdmin" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE UNIQUE INDEX "Course_enrolCode_key" ON "Course"("enrolCode");

-- CreateIndex
CREATE INDEX "Course_createdAt_idx" ON "Course"("createdAt");

-- CreateIndex
CREATE INDEX "CourseMember_accountId_idx" ON "CourseMember"("accountId");

-- CreateIndex
CREATE INDEX "CourseMember_courseId_role_idx" ON "CourseMember"("courseId", "role");

-- CreateIndex
CREATE INDEX "PasswordToken_accountId_idx" ON "PasswordToken"("accountId");


-- Accounts that exist already were instructors before approval existed: approve them; the oldest is the admin.
UPDATE "Instructor" SET "approvedAt" = "createdAt";
UPDATE "Instructor" SET "isAdmin" = true WHERE "id" = (SELECT "id" FROM "Instructor" ORDER BY "createdAt", "id" LIMIT 1);
