-- AlterTable
ALTER TABLE "LiveSession" ADD COLUMN     "presenting" TEXT;

