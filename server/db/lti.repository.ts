/** LTI 1.3 storage (models Lti*): platforms, signing keys, logins, users, contexts, roster, links, AGS scores. DTOs only. */
import type { Db } from './client';
import { isUniqueViolation } from './errors';

export interface LtiPlatformDTO {
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  authLoginUrl: string;
  jwksUrl: string;
  accessTokenUrl: string;
  deploymentIds: string[];
  createdAt: string;
}

export type NewLtiPlatform = Omit<LtiPlatformDTO, 'id' | 'createdAt'> & { instructorId: string };

export interface LtiKeyRow {
  kid: string;
  privateJwk: string;
  publicJwk: string;
  createdAt: Date;
  retiredAt: Date | null;
  publishUntil: Date | null;
}

export interface LtiLoginRow {
  state: string;
  nonce: string;
  platformId: string;
  targetLinkUri: string;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface LtiUserDTO {
  id: string;
  issuer: string;
  subject: string;
  name: string;
  email: string | null;
  accountId: string | null;
}

export interface LtiContextDTO {
  id: string;
  platformId: string;
  contextId: string;
  title: string;
  membershipsUrl: string | null;
  lineItemsUrl: string | null;
  courseId: string | null;
}

export type LtiRole = 'instructor' | 'ta' | 'student';
export type LtiMemberStatus = 'active' | 'dropped';

export interface LtiMemberDTO {
  user: LtiUserDTO;
  roles: string[];
  role: LtiRole;
  status: LtiMemberStatus;
}

export interface LtiResourceLinkDTO {
  id: string;
  platformId: string;
  contextRowId: string;
  resourceLinkId: string;
  assignmentId: string | null;
  lineItemUrl: string | null;
}

export type LtiScoreStatus = 'pending' | 'sent' | 'failed';

export interface LtiScoreDTO {
  id: string;
  platformId: string;
  lineItemUrl: string;
  userId: string;
  assignmentId: string | null;
  scoreGiven: number;
  scoreMaximum: number;
  activityProgress: string;
  gradingProgress: string;
  timestamp: string;
  status: LtiScoreStatus;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  /** Changes with every recorded attempt or queueing: the version "send again" acts on. */
  updatedAt: string;
}

export type NewLtiScore = Pick<
  LtiScoreDTO,
  'platformId' | 'lineItemUrl' | 'userId' | 'assignmentId' | 'scoreGiven' | 'scoreMaximum' | 'activityProgress' | 'gradingProgress'
> & { timestamp: Date };

/** Thrown when a platform with the same issuer and client id is registered already. */
export class LtiPlatformTakenError extends Error {
  constructor(issuer: string, clientId: string) {
    super(`a platform with issuer ${issuer} and client id ${clientId} is registered already`);
  }
}

type PlatformRow = Omit<LtiPlatformDTO, 'deploymentIds' | 'createdAt'> & { createdAt: Date; deployments: { deploymentId: string }[] };

function platformDTO(r: PlatformRow): LtiPlatformDTO {
  return {
    id: r.id,
    name: r.name,
    issuer: r.issuer,
    clientId: r.clientId,
    authLoginUrl: r.authLoginUrl,
    jwksUrl: r.jwksUrl,
    accessTokenUrl: r.accessTokenUrl,
    deploymentIds: r.deployments.map((d) => d.deploymentId).sort(),
    createdAt: r.createdAt.toISOString(),
  };
}

type ScoreRow = Omit<LtiScoreDTO, 'timestamp' | 'nextAttemptAt' | 'status' | 'updatedAt'> & { timestamp: Date; nextAttemptAt: Date | null; status: string; updatedAt: Date };

function scoreDTO(r: ScoreRow): LtiScoreDTO {
  return {
    id: r.id,
    platformId: r.platformId,
    lineItemUrl: r.lineItemUrl,
    userId: r.userId,
    assignmentId: r.assignmentId,
    scoreGiven: r.scoreGiven,
    scoreMaximum: r.scoreMaximum,
    activityProgress: r.activityProgress,
    gradingProgress: r.gradingProgress,
    timestamp: r.timestamp.toISOString(),
    status: r.status as LtiScoreStatus,
    attempts: r.attempts,
    lastError: r.lastError,
    nextAttemptAt: r.nextAttemptAt?.toISOString() ?? null,
    updatedAt: r.updatedAt.toISOString(),
  };
}

const withDeployments = { deployments: { select: { deploymentId: true } } } as const;

/** Lti* queries over one Prisma client. */
export class LtiRepository {
  constructor(private readonly db: Db) {}

  // ---- platforms ----

  /** Registers a platform with its deployments; LtiPlatformTakenError when (issuer, client id) exists. */
  async createPlatform(input: NewLtiPlatform): Promise<LtiPlatformDTO> {
    const { deploymentIds, ...fields } = input;
    try {
      const row = await this.db.ltiPlatform.create({
        data: { ...fields, deployments: { create: [...new Set(deploymentIds)].map((deploymentId) => ({ deploymentId })) } },
        include: withDeployments,
      });
      return platformDTO(row);
    } catch (error) {
      if (isUniqueViolation(error, 'issuer') || isUniqueViolation(error, 'clientId')) throw new LtiPlatformTakenError(input.issuer, input.clientId);
      throw error;
    }
  }

  async listPlatforms(): Promise<LtiPlatformDTO[]> {
    return (await this.db.ltiPlatform.findMany({ include: withDeployments, orderBy: { createdAt: 'asc' } })).map(platformDTO);
  }

  async findPlatform(id: string): Promise<LtiPlatformDTO | null> {
    const row = await this.db.ltiPlatform.findUnique({ where: { id }, include: withDeployments });
    return row ? platformDTO(row) : null;
  }

  /** Platforms of an issuer; with `clientId`, only that registration. */
  async findPlatforms(issuer: string, clientId?: string): Promise<LtiPlatformDTO[]> {
    const rows = await this.db.ltiPlatform.findMany({ where: { issuer, ...(clientId ? { clientId } : {}) }, include: withDeployments });
    return rows.map(platformDTO);
  }

  // ---- ConvLab's signing keys ----

  async addKey(key: { kid: string; privateJwk: string; publicJwk: string; createdAt: Date }): Promise<void> {
    await this.db.ltiKey.create({ data: key });
  }

  /** Keys still published at `now` (unretired, or retired but not past publishUntil), newest first. */
  async publishedKeys(now: Date): Promise<LtiKeyRow[]> {
    return this.db.ltiKey.findMany({
      where: { OR: [{ publishUntil: null }, { publishUntil: { gt: now } }] },
      orderBy: [{ createdAt: 'desc' }, { kid: 'asc' }],
    });
  }

  /** Keys whose private JWK is still stored as plain JSON (written before keys were encrypted at rest). */
  async plainKeys(): Promise<LtiKeyRow[]> {
    return this.db.ltiKey.findMany({ where: { privateJwk: { startsWith: '{' } } });
  }

  /** Replaces a key's plain private JWK by its sealed form (only if it is still the plain one). */
  async sealKey(kid: string, plain: string, sealed: string): Promise<void> {
    await this.db.ltiKey.updateMany({ where: { kid, privateJwk: plain }, data: { privateJwk: sealed } });
  }

  /** Retires every key but `keepKid`; each stays published until `publishUntil`. */
  async retireKeysExcept(keepKid: string, at: Date, publishUntil: Date): Promise<void> {
    await this.db.ltiKey.updateMany({ where: { kid: { not: keepKid }, retiredAt: null }, data: { retiredAt: at, publishUntil } });
  }

  // ---- OIDC logins ----

  async createLogin(login: Omit<LtiLoginRow, 'usedAt'>, now: Date): Promise<void> {
    await this.db.ltiLogin.deleteMany({ where: { expiresAt: { lt: now } } });
    await this.db.ltiLogin.create({ data: login });
  }

  async findLogin(state: string): Promise<LtiLoginRow | null> {
    return this.db.ltiLogin.findUnique({ where: { state } });
  }

  /** Marks a login used; false when another launch used it first (the update is conditional, so only one wins). */
  async useLogin(state: string, at: Date): Promise<boolean> {
    const { count } = await this.db.ltiLogin.updateMany({ where: { state, usedAt: null }, data: { usedAt: at } });
    return count === 1;
  }

  // ---- people, courses and roster ----

  /** Creates or refreshes the person (issuer, subject); name and e-mail are kept current, never used to match. */
  async upsertUser(input: { issuer: string; subject: string; name: string; email: string | null }): Promise<LtiUserDTO> {
    const { issuer, subject, name, email } = input;
    return this.db.ltiUser.upsert({
      where: { issuer_subject: { issuer, subject } },
      create: { issuer, subject, name, email },
      update: { name, email },
      select: { id: true, issuer: true, subject: true, name: true, email: true, accountId: true },
    });
  }

  async findUser(id: string): Promise<LtiUserDTO | null> {
    return this.db.ltiUser.findUnique({ where: { id }, select: { id: true, issuer: true, subject: true, name: true, email: true, accountId: true } });
  }

  async findUsers(ids: string[]): Promise<LtiUserDTO[]> {
    return this.db.ltiUser.findMany({ where: { id: { in: ids } }, select: { id: true, issuer: true, subject: true, name: true, email: true, accountId: true } });
  }

  async linkAccount(userId: string, accountId: string): Promise<void> {
    await this.db.ltiUser.update({ where: { id: userId }, data: { accountId } });
  }

  async upsertContext(input: Omit<LtiContextDTO, 'id' | 'courseId'>): Promise<LtiContextDTO> {
    const { platformId, contextId, ...rest } = input;
    // Endpoints a launch did not carry keep what an earlier launch said.
    const update = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null));
    return this.db.ltiContext.upsert({
      where: { platformId_contextId: { platformId, contextId } },
      create: input,
      update,
    });
  }

  async findContext(id: string): Promise<LtiContextDTO | null> {
    return this.db.ltiContext.findUnique({ where: { id } });
  }

  async setContextCourse(id: string, courseId: string): Promise<void> {
    await this.db.ltiContext.update({ where: { id }, data: { courseId } });
  }

  async upsertMember(contextRowId: string, userId: string, roles: string[], role: LtiRole, at: Date): Promise<void> {
    const data = { roles: roles.join(','), role, status: 'active', updatedAt: at };
    await this.db.ltiMember.upsert({ where: { contextRowId_userId: { contextRowId, userId } }, create: { contextRowId, userId, ...data }, update: data });
  }

  /** Marks every active member of the context not in `keepUserIds` as dropped; returns their user ids. */
  async dropMembersExcept(contextRowId: string, keepUserIds: string[], at: Date): Promise<string[]> {
    const gone = await this.db.ltiMember.findMany({ where: { contextRowId, status: 'active', userId: { notIn: keepUserIds } }, select: { userId: true } });
    const ids = gone.map((g) => g.userId);
    if (ids.length) await this.db.ltiMember.updateMany({ where: { contextRowId, userId: { in: ids } }, data: { status: 'dropped', updatedAt: at } });
    return ids;
  }

  async listMembers(contextRowId: string): Promise<LtiMemberDTO[]> {
    const members = await this.db.ltiMember.findMany({ where: { contextRowId } });
    const users = await this.db.ltiUser.findMany({
      where: { id: { in: members.map((m) => m.userId) } },
      select: { id: true, issuer: true, subject: true, name: true, email: true, accountId: true },
    });
    const byId = new Map(users.map((u) => [u.id, u]));
    return members
      .filter((m) => byId.has(m.userId))
      .map((m) => ({ user: byId.get(m.userId)!, roles: m.roles ? m.roles.split(',') : [], role: m.role as LtiRole, status: m.status as LtiMemberStatus }))
      .sort((a, b) => a.user.name.localeCompare(b.user.name) || a.user.id.localeCompare(b.user.id));
  }

  // ---- resource links ----

  async upsertResourceLink(input: Omit<LtiResourceLinkDTO, 'id'>): Promise<LtiResourceLinkDTO> {
    const { platformId, resourceLinkId, ...rest } = input;
    const update = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null));
    return this.db.ltiResourceLink.upsert({ where: { platformId_resourceLinkId: { platformId, resourceLinkId } }, create: input, update });
  }

  async findResourceLink(id: string): Promise<LtiResourceLinkDTO | null> {
    return this.db.ltiResourceLink.findUnique({ where: { id } });
  }

  async resourceLinksOfContext(contextRowId: string): Promise<LtiResourceLinkDTO[]> {
    return this.db.ltiResourceLink.findMany({ where: { contextRowId }, orderBy: { createdAt: 'asc' } });
  }

  async resourceLinksOfAssignment(assignmentId: string): Promise<LtiResourceLinkDTO[]> {
    return this.db.ltiResourceLink.findMany({ where: { assignmentId, lineItemUrl: { not: null } } });
  }

  // ---- AGS scores ----

  /** Stores the score to publish (replacing an earlier one of the same line item and person) as pending, due now. */
  async queueScore(score: NewLtiScore, now: Date): Promise<LtiScoreDTO> {
    const { platformId, lineItemUrl, userId, assignmentId, scoreGiven, scoreMaximum, activityProgress, gradingProgress, timestamp } = score;
    const data = {
      ...{ platformId, lineItemUrl, userId, assignmentId, scoreGiven, scoreMaximum, activityProgress, gradingProgress, timestamp },
      ...{ status: 'pending', attempts: 0, lastError: null, nextAttemptAt: now, updatedAt: now },
    };
    const row = await this.db.ltiScore.upsert({
      where: { lineItemUrl_userId: { lineItemUrl: score.lineItemUrl, userId: score.userId } },
      create: data,
      update: data,
    });
    return scoreDTO(row);
  }

  /** Pending scores whose next attempt is due at `now`, oldest first. */
  async dueScores(now: Date, limit = 50): Promise<LtiScoreDTO[]> {
    const rows = await this.db.ltiScore.findMany({ where: { status: 'pending', nextAttemptAt: { lte: now } }, orderBy: { nextAttemptAt: 'asc' }, take: limit });
    return rows.map(scoreDTO);
  }

  /** When the earliest pending score is due; null when none is pending. */
  async nextScoreDue(): Promise<Date | null> {
    const row = await this.db.ltiScore.findFirst({ where: { status: 'pending' }, orderBy: { nextAttemptAt: 'asc' }, select: { nextAttemptAt: true } });
    return row ? (row.nextAttemptAt ?? new Date(0)) : null;
  }

  async findScore(id: string): Promise<LtiScoreDTO | null> {
    const row = await this.db.ltiScore.findUnique({ where: { id } });
    return row ? scoreDTO(row) : null;
  }

  /**
   * Claims a due score for one sending attempt until `until` (compare-and-set on the attempt it was read at): of
   * several nodes that read it, exactly one wins. A node that dies while sending leaves it due again at `until`.
   */
  async claimScore(score: Pick<LtiScoreDTO, 'id' | 'nextAttemptAt' | 'updatedAt'>, until: Date): Promise<boolean> {
    const { count } = await this.db.ltiScore.updateMany({
      where: { id: score.id, status: 'pending', updatedAt: new Date(score.updatedAt), nextAttemptAt: score.nextAttemptAt ? new Date(score.nextAttemptAt) : null },
      data: { nextAttemptAt: until },
    });
    return count === 1;
  }

  /** Records the outcome of the attempt claimed until `claimedUntil`; false when the score was queued afresh meanwhile. */
  async recordScoreAttempt(
    id: string,
    claimedUntil: Date,
    outcome: { status: LtiScoreStatus; attempts: number; lastError: string | null; nextAttemptAt: Date | null },
    at: Date,
  ): Promise<boolean> {
    const { count } = await this.db.ltiScore.updateMany({ where: { id, status: 'pending', nextAttemptAt: claimedUntil }, data: { ...outcome, updatedAt: at } });
    return count === 1;
  }

  /**
   * Queues a stored score again ("send again"), due now with a fresh timestamp, if it is still the version the
   * instructor saw (`seenUpdatedAt`): a retried request finds it changed and queues nothing twice.
   */
  async requeueScore(id: string, seenUpdatedAt: Date | null, now: Date): Promise<boolean> {
    const { count } = await this.db.ltiScore.updateMany({
      where: { id, ...(seenUpdatedAt ? { updatedAt: seenUpdatedAt } : {}) },
      data: { status: 'pending', attempts: 0, lastError: null, nextAttemptAt: now, timestamp: now, updatedAt: now },
    });
    return count === 1;
  }

  async scoresOfAssignment(assignmentId: string): Promise<LtiScoreDTO[]> {
    return (await this.db.ltiScore.findMany({ where: { assignmentId }, orderBy: { updatedAt: 'asc' } })).map(scoreDTO);
  }

  async scoresOfLineItem(lineItemUrl: string): Promise<LtiScoreDTO[]> {
    return (await this.db.ltiScore.findMany({ where: { lineItemUrl }, orderBy: { updatedAt: 'asc' } })).map(scoreDTO);
  }
}
