-- CreateTable
CREATE TABLE "LtiPlatform" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "authLoginUrl" TEXT NOT NULL,
    "jwksUrl" TEXT NOT NULL,
    "accessTokenUrl" TEXT NOT NULL,
    "instructorId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LtiPlatform_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LtiDeployment" (
    "platformId" TEXT NOT NULL,
    "deploymentId" TEXT NOT NULL,

    CONSTRAINT "LtiDeployment_pkey" PRIMARY KEY ("platformId","deploymentId")
);

-- CreateTable
CREATE TABLE "LtiKey" (
    "kid" TEXT NOT NULL,
    "privateJwk" TEXT NOT NULL,
    "publicJwk" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retiredAt" TIMESTAMP(3),
    "publishUntil" TIMESTAMP(3),

    CONSTRAINT "LtiKey_pkey" PRIMARY KEY ("kid")
);

-- CreateTable
CREATE TABLE "LtiLogin" (
    "state" TEXT NOT NULL,
    "nonce" TEXT NOT NULL,
    "platformId" TEXT NOT NULL,
    "targetLinkUri" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),

    CONSTRAINT "LtiLogin_pkey" PRIMARY KEY ("state")
);

-- CreateTable
CREATE TABLE "LtiUser" (
    "id" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT,
    "accountId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LtiUser_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LtiContext" (
    "id" TEXT NOT NULL,
    "platformId" TEXT NOT NULL,
    "contextId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "membershipsUrl" TEXT,
    "lineItemsUrl" TEXT,
    "courseId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LtiContext_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LtiMember" (
    "contextRowId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "roles" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LtiMember_pkey" PRIMARY KEY ("contextRowId","userId")
);

-- CreateTable
CREATE TABLE "LtiResourceLink" (
    "id" TEXT NOT NULL,
    "platformId" TEXT NOT NULL,
    "contextRowId" TEXT NOT NULL,
    "resourceLinkId" TEXT NOT NULL,
    "assignmentId" TEXT,
    "lineItemUrl" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LtiResourceLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LtiScore" (
    "id" TEXT NOT NULL,
    "platformId" TEXT NOT NULL,
    "lineItemUrl" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "assignmentId" TEXT,
    "scoreGiven" DOUBLE PRECISION NOT NULL,
    "scoreMaximum" DOUBLE PRECISION NOT NULL,
    "activityProgress" TEXT NOT NULL,
    "gradingProgress" TEXT NOT NULL,
    "timestamp" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "nextAttemptAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LtiScore_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "LtiPlatform_issuer_clientId_key" ON "LtiPlatform"("issuer", "clientId");

-- CreateIndex
CREATE INDEX "LtiLogin_expiresAt_idx" ON "LtiLogin"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "LtiUser_issuer_subject_key" ON "LtiUser"("issuer", "subject");

-- CreateIndex
CREATE UNIQUE INDEX "LtiContext_platformId_contextId_key" ON "LtiContext"("platformId", "contextId");

-- CreateIndex
CREATE UNIQUE INDEX "LtiResourceLink_platformId_resourceLinkId_key" ON "LtiResourceLink"("platformId", "resourceLinkId");

-- CreateIndex
CREATE INDEX "LtiScore_status_nextAttemptAt_idx" ON "LtiScore"("status", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "LtiScore_lineItemUrl_userId_key" ON "LtiScore"("lineItemUrl", "userId");

-- AddForeignKey
ALTER TABLE "LtiDeployment" ADD CONSTRAINT "LtiDeployment_platformId_fkey" FOREIGN KEY ("platformId") REFERENCES "LtiPlatform"("id") ON DELETE CASCADE ON UPDATE CASCADE;

