/**
 * The storage contract of the classroom: plain DTOs and the interface every store implements.
 * `server/db` implements it with Prisma (SQLite and PostgreSQL); `memory-store.ts` implements it
 * in memory for unit tests. One contract suite (`store.contract.ts`) runs against all of them.
 * Nothing here knows Prisma, SQL or sockets.
 */

/** A step of a lesson plan. Later issues add lab steps (`kind: 'lab'`) to the same union. */
export type Step = SlideStep;

export interface SlideStep {
  kind: 'slide';
  /** Stable id within the plan (used by clients to key UI state). */
  id: string;
  title: string;
  /** Markdown body. Rendered without raw HTML. */
  markdown: string;
  /** Optional image URL (served by ConvLab, or an absolute https URL). */
  imageUrl?: string;
}

export interface InstructorDTO {
  id: string;
  email: string;
  name: string;
  createdAt: string; // ISO 8601
}

/** Only the auth code sees the hash. */
export interface InstructorWithSecretDTO extends InstructorDTO {
  passwordHash: string;
}

export type SessionStatus = 'live' | 'ended';

export interface LiveSessionDTO {
  id: string;
  /** 6 characters from the unambiguous join alphabet; unique among sessions. */
  code: string;
  title: string;
  instructorId: string;
  steps: Step[];
  currentStep: number;
  locked: boolean;
  paused: boolean;
  pauseMessage: string | null;
  status: SessionStatus;
  createdAt: string;
  endedAt: string | null;
}

export interface ParticipantDTO {
  id: string;
  sessionId: string;
  displayName: string;
  joinedAt: string;
  lastSeenAt: string;
  /** Set when the instructor removed this participant; a removed participant cannot rejoin with the same token. */
  removedAt: string | null;
}

export interface NewSession {
  code: string;
  title: string;
  instructorId: string;
  steps: Step[];
}

export type SessionPatch = Partial<
  Pick<LiveSessionDTO, 'title' | 'steps' | 'currentStep' | 'locked' | 'paused' | 'pauseMessage' | 'status' | 'endedAt'>
>;

/** Storage used by the classroom. Every method is atomic on its own. */
export interface ClassroomStore {
  /** Throws `EmailTakenError` when the (normalized) email is already registered. */
  createInstructor(input: { email: string; name: string; passwordHash: string }): Promise<InstructorDTO>;
  /** Email is matched case-insensitively (stored lower-cased). */
  findInstructorByEmail(email: string): Promise<InstructorWithSecretDTO | null>;
  findInstructorById(id: string): Promise<InstructorDTO | null>;

  /** Throws `CodeTakenError` when the code is already used (ended sessions included), `NotFoundError` for an unknown instructor. Codes match exactly (callers upper-case). */
  createSession(input: NewSession): Promise<LiveSessionDTO>;
  findSessionById(id: string): Promise<LiveSessionDTO | null>;
  findSessionByCode(code: string): Promise<LiveSessionDTO | null>;
  listSessionsByInstructor(instructorId: string): Promise<LiveSessionDTO[]>; // newest first
  /** Applies the defined fields; throws `NotFoundError` for an unknown id, TypeError for a negative/non-integer step. */
  updateSession(id: string, patch: SessionPatch): Promise<LiveSessionDTO>;

  /**
   * Adds a participant. `tokenHash` is the SHA-256 of the participant's secret resume token.
   * Throws `NameTakenError` when another participant of the session already has the same display name
   * (compared by `displayNameKey`; removed participants keep their names), `NotFoundError` for an unknown session.
   */
  createParticipant(input: { sessionId: string; displayName: string; tokenHash: string }): Promise<ParticipantDTO>;
  findParticipantByToken(sessionId: string, tokenHash: string): Promise<ParticipantDTO | null>;
  findParticipantById(id: string): Promise<ParticipantDTO | null>;
  listParticipants(sessionId: string): Promise<ParticipantDTO[]>; // by joinedAt
  /** Sets lastSeenAt; an unknown id is ignored (presence may race with removal). */
  touchParticipant(id: string, at: Date): Promise<void>;
  /** Sets removedAt once (a second call keeps the first time); throws `NotFoundError` for an unknown id. */
  removeParticipant(id: string, at: Date): Promise<ParticipantDTO>;

  /** Releases connections. */
  close(): Promise<void>;
}

export class CodeTakenError extends Error {
  constructor(code: string) {
    super(`join code ${code} is already in use`);
    this.name = 'CodeTakenError';
  }
}

export class NameTakenError extends Error {
  constructor(name: string) {
    super(`display name "${name}" is already taken in this session`);
    this.name = 'NameTakenError';
  }
}

/** Thrown by `createInstructor` when an account with the same email (compared case-insensitively) exists. */
export class EmailTakenError extends Error {
  constructor(email: string) {
    super(`an account with email ${email} already exists`);
    this.name = 'EmailTakenError';
  }
}

/** Thrown when a method must act on a row that does not exist (update/remove of an unknown id, a participant of an unknown session). */
export class NotFoundError extends Error {
  constructor(what: 'instructor' | 'session' | 'participant', id: string) {
    super(`${what} ${id} not found`);
    this.name = 'NotFoundError';
  }
}

/** The form in which emails are stored and compared: trimmed, lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The case-insensitive identity of a display name within a session ("Ada", " ada " and "ＡＤＡ" collide):
 * Unicode NFKC, trimmed, lower-cased. Stores keep it in a unique key column next to the name as typed.
 */
export function displayNameKey(displayName: string): string {
  return displayName.normalize('NFKC').trim().toLowerCase();
}
