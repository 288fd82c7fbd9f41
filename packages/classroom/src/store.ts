/**
 * The storage contract of the classroom: plain DTOs and the interface every store implements.
 * `server/db` implements it with Prisma (SQLite and PostgreSQL); `memory-store.ts` implements it
 * in memory for unit tests. One contract suite (`store.contract.ts`) runs against all of them.
 * Nothing here knows Prisma, SQL or sockets.
 */
import type { PresentTarget, StepGrading } from '@convlab/protocol';
import type { LiveStateStore } from './live-state';

/** A step of a lesson plan: slides and labs share one list (same union as `StepSchema` in @convlab/protocol). */
export type Step = SlideStep | LabStep;

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

/** A lab step: which lab (`@convlab/labs` definition id) with which preset parameters. */
export interface LabStep {
  kind: 'lab';
  id: string;
  title: string;
  /** Instructions shown above the lab (markdown, may be empty). */
  markdown: string;
  imageUrl?: string;
  labId: string;
  /** Preset parameters, checked against the lab's parameter schema. */
  params: Record<string, JsonValue>;
  /** Parameters students may change; absent means the lab's default list. */
  studentControls?: string[];
  /** How the step is graded in an assignment; server-only (`forStudents` in @convlab/protocol strips it). */
  grading?: StepGrading;
}

/** A JSON value as stored in a JSON column. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

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
  /** What the instructor pinned to the present view (a submission or a lab step's class view); null: none. */
  presenting: PresentTarget | null;
  /** The instructor closed joining: new students are refused, joined ones still resume. */
  joiningClosed: boolean;
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
  Pick<LiveSessionDTO, 'title' | 'steps' | 'currentStep' | 'locked' | 'paused' | 'pauseMessage' | 'status' | 'endedAt' | 'presenting' | 'joiningClosed'>
>;

export type ImageMime = 'image/jpeg' | 'image/png' | 'image/webp';
export type UploaderKind = 'instructor' | 'participant' | 'server';

/** Metadata of a stored image; the bytes live on disk under `<data dir>/images/`, named by `hash`. */
export interface ImageAssetDTO {
  /** sha256 (lower-case hex) of the stored bytes. */
  hash: string;
  mime: ImageMime;
  width: number;
  height: number;
  /** Size of the stored file in bytes. */
  bytes: number;
  uploaderKind: UploaderKind;
  /** The instructor's or participant's id; null for the server. */
  uploaderId: string | null;
  createdAt: string;
}

export type NewImageAsset = Omit<ImageAssetDTO, 'createdAt'>;

export type ComputedWhere = 'browser' | 'server';

/** A lab result submitted in a session. */
export interface SubmissionDTO {
  id: string;
  sessionId: string;
  /** null: the instructor's own (or the server's, e.g. a sweep shard it took over). */
  participantId: string | null;
  labId: string;
  stepId: string;
  /** The lab's parameters as used (a JSON object). */
  params: { [key: string]: JsonValue };
  /** The lab's result (a JSON object, the lab's result schema). */
  result: { [key: string]: JsonValue };
  resultImageHash: string | null;
  computedWhere: ComputedWhere;
  /** tfjs backend that computed it (webgl, wasm, cpu, …). */
  backend: string;
  /** Milliseconds of computation. */
  ms: number;
  /** Visible to the other students. */
  shared: boolean;
  createdAt: string;
}

export type NewSubmission = Omit<SubmissionDTO, 'id' | 'createdAt' | 'shared'> & { shared?: boolean };

/** Which submissions of a session to list. */
export interface SubmissionFilter {
  labId?: string;
  stepId?: string;
  /** Only this participant's (null: only the instructor's/server's). */
  participantId?: string | null;
  /** Only shared ones. */
  shared?: boolean;
}

/**
 * One mutating request of a sender (see RequestIdSchema in @convlab/protocol): `scope` names the sender
 * ("participant:<id>", "instructor:<id>", "join:<sessionId>:<device>"), `requestId` is the client's id.
 */
export interface RequestKey {
  scope: string;
  requestId: string;
  /** The session it acted on (records go with their session). */
  sessionId: string;
  /** The event name, so a requestId reused for another event is told apart. */
  event: string;
}

/**
 * What a request did, kept so that a retry returns the first result: the ack's data, or a reference to the row
 * it created in the same transaction (`{ submissionId }`, `{ participantId }`).
 */
export interface RequestRecordDTO extends RequestKey {
  result: JsonValue;
  createdAt: string;
}

/** A new participant; `deviceHash` is the SHA-256 of the browser's device token, when it sent one. */
export interface NewParticipant {
  sessionId: string;
  displayName: string;
  tokenHash: string;
  deviceHash?: string | null;
}

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
   * Deletes a session with everything of it (participants, submissions, request records, λ deals, running sweeps)
   * in one transaction; returns what went, or null for an unknown id. Images stay (content-addressed, maybe shared):
   * the image collector removes the ones nothing references any more.
   */
  deleteSession(id: string): Promise<{ participants: number; submissions: number } | null>;

  /**
   * Adds a participant. `tokenHash` is the SHA-256 of the participant's secret resume token.
   * Throws `NameTakenError` when another participant of the session already has the same display name
   * (compared by `displayNameKey`; removed participants keep their names), `NotFoundError` for an unknown session.
   */
  createParticipant(input: NewParticipant, request?: RequestKey): Promise<ParticipantDTO>;
  /** True when a removed (and not restored) participant of the session joined from this device. */
  isDeviceRemoved(sessionId: string, deviceHash: string): Promise<boolean>;
  /** Replaces a participant's resume token (a join retried after a lost answer gets a fresh one). */
  setParticipantToken(id: string, tokenHash: string): Promise<void>;
  /** Undoes a removal (removedAt back to null); throws `NotFoundError` for an unknown id. */
  restoreParticipant(id: string): Promise<ParticipantDTO>;
  findParticipantByToken(sessionId: string, tokenHash: string): Promise<ParticipantDTO | null>;
  findParticipantById(id: string): Promise<ParticipantDTO | null>;
  listParticipants(sessionId: string): Promise<ParticipantDTO[]>; // by joinedAt
  /** Sets lastSeenAt; an unknown id is ignored (presence may race with removal). */
  touchParticipant(id: string, at: Date): Promise<void>;
  /** Sets removedAt once (a second call keeps the first time); throws `NotFoundError` for an unknown id. */
  removeParticipant(id: string, at: Date): Promise<ParticipantDTO>;

  /**
   * Records an image's metadata (the caller has written the file). Idempotent: the same hash again returns the
   * row stored first (content-addressed, so the bytes are the same); the uploader of the first stays.
   */
  saveImageAsset(input: NewImageAsset): Promise<ImageAssetDTO>;
  findImageAsset(hash: string): Promise<ImageAssetDTO | null>;

  /**
   * Stores a submission (not shared unless `shared`). Throws `NotFoundError` for an unknown session, participant
   * or result image, and TypeError for a participant of another session, a negative or non-finite `ms`, or an
   * unknown `computedWhere`. With `request`, the request is recorded (`{ submissionId }`) in the same transaction.
   */
  createSubmission(input: NewSubmission, request?: RequestKey): Promise<SubmissionDTO>;
  findSubmission(id: string): Promise<SubmissionDTO | null>;
  /** A session's submissions, oldest first, narrowed by `filter`. */
  listSubmissions(sessionId: string, filter?: SubmissionFilter): Promise<SubmissionDTO[]>;
  /** Shares or unshares; throws `NotFoundError` for an unknown id. */
  setSubmissionShared(id: string, shared: boolean): Promise<SubmissionDTO>;

  /** λ assignments and running sweeps, kept across restarts (`live-state.ts`). */
  readonly liveState: LiveStateStore;

  /** The record of a request, or null when it never completed. */
  findRequest(scope: string, requestId: string): Promise<RequestRecordDTO | null>;
  /**
   * Records a completed request. Insert-if-absent: when the (scope, requestId) is already recorded, the first
   * record stays and is returned.
   */
  saveRequest(record: RequestKey & { result: JsonValue }): Promise<RequestRecordDTO>;

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

/** Thrown when a row is created with a request key that is already recorded (the request ran before: replay it). */
export class DuplicateRequestError extends Error {
  constructor(requestId: string) {
    super(`request ${requestId} was already recorded`);
    this.name = 'DuplicateRequestError';
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
  constructor(what: 'instructor' | 'session' | 'participant' | 'image' | 'submission', id: string) {
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

const MIMES: readonly string[] = ['image/jpeg', 'image/png', 'image/webp'];
const UPLOADERS: readonly string[] = ['instructor', 'participant', 'server'];
const SHA256 = /^[0-9a-f]{64}$/;

/** Checks an image record before any store writes it (every implementation calls it, so they refuse alike). */
export function checkNewImageAsset(input: NewImageAsset): void {
  if (!SHA256.test(input.hash)) throw new TypeError('hash must be a sha256 in lower-case hex');
  if (!MIMES.includes(input.mime)) throw new TypeError(`mime must be one of ${MIMES.join(', ')}`);
  for (const field of ['width', 'height', 'bytes'] as const) {
    if (!Number.isInteger(input[field]) || input[field] <= 0 || input[field] > 2 ** 31 - 1) throw new TypeError(`${field} must be a positive integer`);
  }
  if (!UPLOADERS.includes(input.uploaderKind)) throw new TypeError(`uploaderKind must be one of ${UPLOADERS.join(', ')}`);
  if ((input.uploaderKind === 'server') !== (input.uploaderId === null)) throw new TypeError('uploaderId is null exactly when the server uploaded');
}

/** Checks a submission's own fields before any store writes it (references are checked by the store). */
export function checkNewSubmission(input: NewSubmission): void {
  if (input.computedWhere !== 'browser' && input.computedWhere !== 'server') throw new TypeError('computedWhere must be browser or server');
  if (typeof input.ms !== 'number' || !Number.isFinite(input.ms) || input.ms < 0) throw new TypeError('ms must be a non-negative number');
  if (!input.labId || !input.stepId) throw new TypeError('labId and stepId are required');
  if (input.resultImageHash !== null && !SHA256.test(input.resultImageHash)) throw new TypeError('resultImageHash must be a sha256 in lower-case hex');
  for (const field of ['params', 'result'] as const) {
    const value = input[field];
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`${field} must be a JSON object`);
  }
}
