-- AlterTable
ALTER TABLE "Instructor" ADD COLUMN "approvedAt" TIMESTAMP(3);
ALTER TABLE "Instructor" ADD COLUMN "isAdmin" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Instructor" ADD COLUMN "role" TEXT NOT NULL DEFAULT 'instructor';

-- CreateTable
CREATE TABLE "Course" (
    "id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "enrolCode" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Course_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CourseMember" (
    "courseId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "studentNumber" TEXT,
    "source" TEXT NOT NULL,
    "droppedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CourseMember_pkey" PRIMARY KEY ("courseId","accountId")
);

-- CreateTable
CREATE TABLE "PasswordToken" (
    "tokenHash" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "issuedById" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PasswordToken_pkey" PRIMARY KEY ("tokenHash")
);

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

-- AddForeignKey
ALTER TABLE "CourseMember" ADD CONSTRAINT "CourseMember_courseId_fkey" FOREIGN KEY ("courseId") REFERENCES "Course"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CourseMember" ADD CONSTRAINT "CourseMember_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Instructor"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PasswordToken" ADD CONSTRAINT "PasswordToken_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Instructor"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Accounts that exist already were instructors before approval existed: approve them; the oldest is the admin.
UPDATE "Instructor" SET "approvedAt" = "createdAt";
UPDATE "Instructor" SET "isAdmin" = true WHERE "id" = (SELECT "id" FROM "Instructor" ORDER BY "createdAt", "id" LIMIT 1);
