/** What the HTTP routes and socket handlers share: configuration, the classroom, storage, limits, compute. */
import { networkInterfaces } from 'node:os';
import type { Classroom, ClassroomStore, LiveSessionDTO } from '@convlab/classroom';
import type { LiveSession } from '@convlab/protocol';
import type { AuthSessions } from './auth/auth-sessions';
import type { InstructorAccess } from './auth/instructor-access';
import type { ComputeLauncher } from './compute-launcher';
import type { Config } from './config';
import { chooseJoinAddress, type JoinAddress } from './net/join-address';
import type { AccountRepository, AssignmentRepository, CourseRepository, DbKind, ImageUsageStore, LessonRepository, MigrationStatus } from './db';
import type { ImageQuota } from './images/image-quota';
import type { LtiService } from './lti/service';
import type { ModelStore } from './models/model-store';
import type { ScaleOut } from './scale/redis';
import type { ConnectionCap } from './security/connection-cap';
import { DEFAULT_RETRY_DELAYS_MS } from './lti/score-publisher';
import { FailureCounter, JoinCodeLimiter, SignInLimiter, memoryStore, type BackoffRule, type LimiterStore, type ThrottleRule } from './security/rate-limit';

/** The time the server decides deadlines by; `offsetMs` moves it (tests only). */
export interface ServerClock {
  now(): Date;
  offsetMs: number;
}

/** The system clock, movable for tests. */
export function createServerClock(): ServerClock {
  return {
    offsetMs: 0,
    now() {
      return new Date(Date.now() + this.offsetMs);
    },
  };
}

/** Tunable limits; tests shrink them to exercise throttling quickly. */
export interface Limits {
  /** Socket.io/engine.io payload cap in bytes: bigger messages close the connection. */
  maxHttpBufferSize: number;
  /** Largest accepted event payload (serialized JSON, bytes); bigger ones get PAYLOAD_TOO_LARGE. */
  maxEventBytes: number;
  /** Largest JSON body of an HTTP request, bytes. */
  maxBodyBytes: number;
  /** Per-socket token bucket. */
  socketBurst: number;
  socketRefillPerSecond: number;
  /** Wrong join codes per socket and per address (only wrong codes count and only wrong codes are refused). */
  joinFailuresPerSocket: ThrottleRule;
  joinFailuresPerIp: ThrottleRule;
  /** Failed sign-ins per (account, address): growing delays; per address across accounts; sign-ups per address. */
  signinBackoff: BackoffRule;
  signinFailuresPerIp: ThrottleRule;
  signupsPerIp: ThrottleRule;
  /** Waits between attempts to publish a grade to an LMS (AGS); past the last, the score is marked failed. */
  agsRetryDelaysMs: readonly number[];
}

export const DEFAULT_LIMITS: Limits = {
  maxHttpBufferSize: 64 * 1024,
  maxEventBytes: 16 * 1024,
  maxBodyBytes: 1024 * 1024,
  socketBurst: 30,
  socketRefillPerSecond: 10,
  joinFailuresPerSocket: { maxFailures: 5, windowMs: 60_000 },
  // A whole class may sit behind one NAT address, so the per-IP budget is larger.
  joinFailuresPerIp: { maxFailures: 30, windowMs: 60_000 },
  signinBackoff: { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 5 * 60_000, forgetAfterMs: 24 * 60 * 60_000 },
  // Guessing many accounts from one address; high, since a school's staff may share one NAT address too.
  signinFailuresPerIp: { maxFailures: 100, windowMs: 10 * 60_000 },
  // Per hour; startServer takes the count from CONVLAB_SIGNUPS_PER_ADDRESS_HOUR (a lecture hall signs up behind one NAT).
  signupsPerIp: { maxFailures: 300, windowMs: 60 * 60_000 },
  agsRetryDelaysMs: DEFAULT_RETRY_DELAYS_MS,
};

export interface ServerContext {
  config: Config;
  limits: Limits;
  version: string;
  secret: string;
  store: ClassroomStore;
  /** Instructors' server-side sign-in sessions. */
  auth: AuthSessions;
  /** Withdrawn instructor approvals (the realtime layer drops their instructor rights at once). */
  instructorAccess: InstructorAccess;
  classroom: Classroom;
  /** Accounts (instructors and students), approval, set-password tokens. */
  accounts: AccountRepository;
  /** Courses, their members and rosters. */
  courses: CourseRepository;
  /** Assignments, self-paced submissions and their grades. */
  assignments: AssignmentRepository;
  /** The server's clock for deadlines (tests set it; never the browser's). */
  clock: ServerClock;
  dbKind: DbKind;
  migrationStatus(): Promise<MigrationStatus>;
  /** Students' image usage (quotas, collection of unreferenced images) and the quotas checked on each new image. */
  imageUsage: ImageUsageStore;
  imageQuota: ImageQuota;
  /** Instructors' lesson libraries (server/lessons/library.ts). */
  lessons: LessonRepository;
  /** Open Socket.io connections per client address. */
  connections: ConnectionCap;
  /** LTI 1.3: LMS platforms, launches, roster sync and grade passback. */
  lti: LtiService;
  /** The compute service, started by the first job. */
  compute: ComputeLauncher;
  /** Scale-out on Redis (REDIS_URL); undefined for one embedded node. */
  scale?: ScaleOut;
  /** Uploaded models: files in the data dir, rows in the database (server/models/model-store.ts). */
  models: ModelStore;
  throttles: {
    joinCodes: JoinCodeLimiter;
    signin: SignInLimiter;
    signupPerIp: FailureCounter;
  };
}

/** Builds the limiters for a set of limits: in memory for one node, in Redis (`store`) when nodes share them. */
export function createThrottles(limits: Limits, store: LimiterStore = memoryStore): ServerContext['throttles'] {
  const warn = (line: string) => console.warn(line);
  return {
    joinCodes: new JoinCodeLimiter({ perSocket: limits.joinFailuresPerSocket, perAddress: limits.joinFailuresPerIp }, warn, store),
    signin: new SignInLimiter({ perAccountAndAddress: limits.signinBackoff, perAddress: limits.signinFailuresPerIp }, warn, store),
    signupPerIp: new FailureCounter(limits.signupsPerIp, 'signup-address', store),
  };
}

/**
 * Where students join: CONVLAB_PUBLIC_URL, else what the request was addressed to — unless that is localhost, which
 * no student can reach: then this machine's LAN address, with a note (server/net/join-address.ts).
 */
export function joinAddressFor(config: Config, host: string | undefined, secure: boolean, interfaces = networkInterfaces()): JoinAddress {
  const fallback = `http://localhost:${config.port}`;
  let requestBase = `${secure ? 'https' : 'http'}://${host ?? `localhost:${config.port}`}`;
  try {
    new URL(requestBase);
  } catch {
    requestBase = fallback; // a Host header that is no host
  }
  return chooseJoinAddress({ publicUrl: config.publicUrl, requestBase, interfaces, listenHost: config.host });
}

/** A stored session as its instructor sees it over HTTP, with the join URL (and why it is not the page's address). */
export function toLiveSession(s: LiveSessionDTO, join: JoinAddress): LiveSession {
  return {
    ...s,
    joinUrl: `${join.base}/join/${s.code}`,
    ...(join.note ? { joinNote: join.note } : {}),
    ...(join.alternatives.length ? { joinAlternatives: join.alternatives.map((base) => `${base}/join/${s.code}`) } : {}),
  };
}
