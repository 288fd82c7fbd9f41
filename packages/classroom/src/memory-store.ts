/**
 * An in-memory ClassroomStore for unit tests of the classroom model. It behaves like the database stores
 * (the same contract suite runs against all of them): DTOs are copies, steps round-trip through JSON,
 * instants have millisecond precision, names and emails collide case-insensitively.
 */
import { MemoryLiveStateStore } from './live-state';
import {
  CodeTakenError,
  DuplicateRequestError,
  EmailTakenError,
  NameTakenError,
  NotFoundError,
  checkNewImageAsset,
  checkNewSubmission,
  displayNameKey,
  normalizeEmail,
  type ClassroomStore,
  type ImageAssetDTO,
  type InstructorDTO,
  type InstructorWithSecretDTO,
  type LiveSessionDTO,
  type NewSession,
  type ParticipantDTO,
  type NewImageAsset,
  type NewSubmission,
  type NewParticipant,
  type JsonValue,
  type RequestKey,
  type RequestRecordDTO,
  type SessionPatch,
  type Step,
  type SubmissionDTO,
  type SubmissionFilter,
} from './store';

interface Row<T> {
  seq: number;
  value: T;
}

interface ParticipantRecord extends ParticipantDTO {
  tokenHash: string;
  nameKey: string;
  deviceHash: string | null;
}

function cloneSteps(steps: Step[]): Step[] {
  if (!Array.isArray(steps)) throw new TypeError('steps must be an array');
  return JSON.parse(JSON.stringify(steps)) as Step[];
}

/** JSON columns hand back what JSON can carry: undefined members dropped, copies not references. */
function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function copySubmission(row: SubmissionDTO): SubmissionDTO {
  return { ...row, params: jsonCopy(row.params), result: jsonCopy(row.result) };
}

function checkDate(at: Date, field: string): string {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new TypeError(`${field} must be a valid Date`);
  return at.toISOString();
}

function publicParticipant({ tokenHash: _t, nameKey: _k, deviceHash: _d, ...dto }: ParticipantRecord): ParticipantDTO {
  return { ...dto };
}

/** ClassroomStore kept in process memory; nothing survives the process. */
export class MemoryClassroomStore implements ClassroomStore {
  private seq = 0;
  private readonly instructors = new Map<string, Row<InstructorWithSecretDTO>>();
  private readonly sessions = new Map<string, Row<LiveSessionDTO>>();
  private readonly participants = new Map<string, Row<ParticipantRecord>>();
  private readonly images = new Map<string, ImageAssetDTO>();
  private readonly submissions = new Map<string, Row<SubmissionDTO>>();
  readonly liveState = new MemoryLiveStateStore();
  private readonly requests = new Map<string, RequestRecordDTO>();

  private nextId(prefix: string): string {
    return `${prefix}_${(++this.seq).toString(36).padStart(6, '0')}_${globalThis.crypto.randomUUID().slice(0, 8)}`;
  }

  async createInstructor(input: { email: string; name: string; passwordHash: string }): Promise<InstructorDTO> {
    const email = normalizeEmail(input.email);
    for (const { value } of this.instructors.values()) if (value.email === email) throw new EmailTakenError(email);
    const row: InstructorWithSecretDTO = {
      id: this.nextId('ins'),
      email,
      name: input.name,
      passwordHash: input.passwordHash,
      createdAt: new Date().toISOString(),
    };
    this.instructors.set(row.id, { seq: this.seq, value: row });
    const { passwordHash: _secret, ...dto } = row;
    return dto;
  }

  async findInstructorByEmail(email: string): Promise<InstructorWithSecretDTO | null> {
    const key = normalizeEmail(email);
    for (const { value } of this.instructors.values()) if (value.email === key) return { ...value };
    return null;
  }

  async findInstructorById(id: string): Promise<InstructorDTO | null> {
    const row = this.instructors.get(id)?.value;
    if (!row) return null;
    const { passwordHash: _secret, ...dto } = row;
    return dto;
  }

  async deleteSession(id: string): Promise<{ participants: number; submissions: number } | null> {
    if (!this.sessions.delete(id)) return null;
    const dropRows = (rows: Map<string, Row<{ sessionId: string }>>): number => {
      const keys = [...rows].filter(([, row]) => row.value.sessionId === id).map(([key]) => key);
      keys.forEach((key) => rows.delete(key));
      return keys.length;
    };
    const gone = { participants: dropRows(this.participants), submissions: dropRows(this.submissions) };
    for (const [key, record] of this.requests) if (record.sessionId === id) this.requests.delete(key);
    await this.liveState.forgetSession(id);
    return gone;
  }

  async createSession(input: NewSession): Promise<LiveSessionDTO> {
    for (const { value } of this.sessions.values()) if (value.code === input.code) throw new CodeTakenError(input.code);
    if (!this.instructors.has(input.instructorId)) throw new NotFoundError('instructor', input.instructorId);
    const row: LiveSessionDTO = {
      id: this.nextId('ses'),
      code: input.code,
      title: input.title,
      instructorId: input.instructorId,
      steps: cloneSteps(input.steps),
      currentStep: 0,
      locked: false,
      paused: false,
      pauseMessage: null,
      status: 'live',
      presenting: null,
      joiningClosed: false,
      createdAt: new Date().toISOString(),
      endedAt: null,
    };
    this.sessions.set(row.id, { seq: this.seq, value: row });
    return this.copySession(row);
  }

  async findSessionById(id: string): Promise<LiveSessionDTO | null> {
    const row = this.sessions.get(id)?.value;
    return row ? this.copySession(row) : null;
  }

  async findSessionByCode(code: string): Promise<LiveSessionDTO | null> {
    for (const { value } of this.sessions.values()) if (value.code === code) return this.copySession(value);
    return null;
  }

  async listSessionsByInstructor(instructorId: string): Promise<LiveSessionDTO[]> {
    return [...this.sessions.values()]
      .filter(({ value }) => value.instructorId === instructorId)
      .sort((a, b) => b.value.createdAt.localeCompare(a.value.createdAt) || b.seq - a.seq)
      .map(({ value }) => this.copySession(value));
  }

  async updateSession(id: string, patch: SessionPatch): Promise<LiveSessionDTO> {
    const row = this.sessions.get(id)?.value;
    if (!row) throw new NotFoundError('session', id);
    const next = { ...row };
    if (patch.title !== undefined) next.title = patch.title;
    if (patch.steps !== undefined) next.steps = cloneSteps(patch.steps);
    if (patch.currentStep !== undefined) {
      if (!Number.isInteger(patch.currentStep) || patch.currentStep < 0) throw new TypeError('currentStep must be a non-negative integer');
      next.currentStep = patch.currentStep;
    }
    if (patch.locked !== undefined) next.locked = patch.locked;
    if (patch.paused !== undefined) next.paused = patch.paused;
    if (patch.pauseMessage !== undefined) next.pauseMessage = patch.pauseMessage;
    if (patch.status !== undefined) {
      if (patch.status !== 'live' && patch.status !== 'ended') throw new TypeError('status must be one of live, ended');
      next.status = patch.status;
    }
    if (patch.joiningClosed !== undefined) next.joiningClosed = patch.joiningClosed;
    if (patch.presenting !== undefined) next.presenting = patch.presenting === null ? null : jsonCopy(patch.presenting);
    if (patch.endedAt !== undefined) {
      if (patch.endedAt === null) next.endedAt = null;
      else {
        const date = new Date(patch.endedAt);
        if (Number.isNaN(date.getTime())) throw new TypeError(`endedAt is not a valid ISO date: ${patch.endedAt}`);
        next.endedAt = date.toISOString();
      }
    }
    this.sessions.get(id)!.value = next;
    return this.copySession(next);
  }

  async createParticipant(input: NewParticipant, request?: RequestKey): Promise<ParticipantDTO> {
    if (!this.sessions.has(input.sessionId)) throw new NotFoundError('session', input.sessionId);
    if (request) this.checkRequestFree(request);
    const nameKey = displayNameKey(input.displayName);
    for (const { value } of this.participants.values()) {
      if (value.sessionId === input.sessionId && value.nameKey === nameKey) throw new NameTakenError(input.displayName);
      if (value.tokenHash === input.tokenHash) throw new Error('tokenHash already belongs to another participant');
    }
    const now = new Date().toISOString();
    const row: ParticipantRecord = {
      id: this.nextId('par'),
      sessionId: input.sessionId,
      displayName: input.displayName,
      joinedAt: now,
      lastSeenAt: now,
      removedAt: null,
      tokenHash: input.tokenHash,
      nameKey,
      deviceHash: input.deviceHash ?? null,
    };
    this.participants.set(row.id, { seq: this.seq, value: row });
    if (request) this.putRequest(request, { participantId: row.id });
    return publicParticipant(row);
  }

  async isDeviceRemoved(sessionId: string, deviceHash: string): Promise<boolean> {
    for (const { value } of this.participants.values()) {
      if (value.sessionId === sessionId && value.deviceHash === deviceHash && value.removedAt !== null) return true;
    }
    return false;
  }

  async setParticipantToken(id: string, tokenHash: string): Promise<void> {
    const row = this.participants.get(id);
    if (!row) throw new NotFoundError('participant', id);
    row.value.tokenHash = tokenHash;
  }

  async restoreParticipant(id: string): Promise<ParticipantDTO> {
    const row = this.participants.get(id);
    if (!row) throw new NotFoundError('participant', id);
    row.value.removedAt = null;
    return publicParticipant(row.value);
  }

  async findRequest(scope: string, requestId: string): Promise<RequestRecordDTO | null> {
    const found = this.requests.get(`${scope}\n${requestId}`);
    return found ? jsonCopy(found) : null;
  }

  async saveRequest(record: RequestKey & { result: JsonValue }): Promise<RequestRecordDTO> {
    const key = `${record.scope}\n${record.requestId}`;
    if (!this.requests.has(key)) {
      if (!this.sessions.has(record.sessionId)) throw new NotFoundError('session', record.sessionId);
      this.putRequest(record, record.result);
    }
    return jsonCopy(this.requests.get(key)!);
  }

  private checkRequestFree(request: RequestKey): void {
    if (this.requests.has(`${request.scope}\n${request.requestId}`)) throw new DuplicateRequestError(request.requestId);
  }

  private putRequest(key: RequestKey, result: JsonValue): void {
    const { scope, requestId, sessionId, event } = key;
    this.requests.set(`${scope}\n${requestId}`, { scope, requestId, sessionId, event, result: jsonCopy(result), createdAt: new Date().toISOString() });
  }

  async findParticipantByToken(sessionId: string, tokenHash: string): Promise<ParticipantDTO | null> {
    for (const { value } of this.participants.values()) {
      if (value.sessionId === sessionId && value.tokenHash === tokenHash) return publicParticipant(value);
    }
    return null;
  }

  async findParticipantById(id: string): Promise<ParticipantDTO | null> {
    const row = this.participants.get(id)?.value;
    return row ? publicParticipant(row) : null;
  }

  async listParticipants(sessionId: string): Promise<ParticipantDTO[]> {
    return [...this.participants.values()]
      .filter(({ value }) => value.sessionId === sessionId)
      .sort((a, b) => a.value.joinedAt.localeCompare(b.value.joinedAt) || a.seq - b.seq)
      .map(({ value }) => publicParticipant(value));
  }

  async touchParticipant(id: string, at: Date): Promise<void> {
    const lastSeenAt = checkDate(at, 'at');
    const row = this.participants.get(id);
    if (row) row.value = { ...row.value, lastSeenAt };
  }

  async removeParticipant(id: string, at: Date): Promise<ParticipantDTO> {
    const removedAt = checkDate(at, 'at');
    const row = this.participants.get(id);
    if (!row) throw new NotFoundError('participant', id);
    if (row.value.removedAt === null) row.value = { ...row.value, removedAt };
    return publicParticipant(row.value);
  }

  async saveImageAsset(input: NewImageAsset): Promise<ImageAssetDTO> {
    checkNewImageAsset(input);
    const existing = this.images.get(input.hash);
    if (existing) return { ...existing };
    const row: ImageAssetDTO = { ...input, createdAt: new Date().toISOString() };
    this.images.set(row.hash, row);
    return { ...row };
  }

  async findImageAsset(hash: string): Promise<ImageAssetDTO | null> {
    const row = this.images.get(hash);
    return row ? { ...row } : null;
  }

  async createSubmission(input: NewSubmission, request?: RequestKey): Promise<SubmissionDTO> {
    checkNewSubmission(input);
    if (!this.sessions.has(input.sessionId)) throw new NotFoundError('session', input.sessionId);
    if (request) this.checkRequestFree(request);
    if (input.participantId !== null) {
      const participant = this.participants.get(input.participantId)?.value;
      if (!participant) throw new NotFoundError('participant', input.participantId);
      if (participant.sessionId !== input.sessionId) throw new TypeError('the participant belongs to another session');
    }
    if (input.resultImageHash !== null && !this.images.has(input.resultImageHash)) throw new NotFoundError('image', input.resultImageHash);
    const row: SubmissionDTO = {
      id: this.nextId('sub'),
      sessionId: input.sessionId,
      participantId: input.participantId,
      labId: input.labId,
      stepId: input.stepId,
      params: jsonCopy(input.params),
      result: jsonCopy(input.result),
      resultImageHash: input.resultImageHash,
      computedWhere: input.computedWhere,
      backend: input.backend,
      ms: input.ms,
      shared: input.shared ?? false,
      createdAt: new Date().toISOString(),
    };
    this.submissions.set(row.id, { seq: this.seq, value: row });
    if (request) this.putRequest(request, { submissionId: row.id });
    return copySubmission(row);
  }

  async findSubmission(id: string): Promise<SubmissionDTO | null> {
    const row = this.submissions.get(id)?.value;
    return row ? copySubmission(row) : null;
  }

  async listSubmissions(sessionId: string, filter: SubmissionFilter = {}): Promise<SubmissionDTO[]> {
    return [...this.submissions.values()]
      .filter(({ value: v }) => {
        if (v.sessionId !== sessionId) return false;
        if (filter.labId !== undefined && v.labId !== filter.labId) return false;
        if (filter.stepId !== undefined && v.stepId !== filter.stepId) return false;
        if (filter.participantId !== undefined && v.participantId !== filter.participantId) return false;
        if (filter.shared !== undefined && v.shared !== filter.shared) return false;
        return true;
      })
      .sort((a, b) => a.value.createdAt.localeCompare(b.value.createdAt) || a.seq - b.seq)
      .map(({ value }) => copySubmission(value));
  }

  async setSubmissionShared(id: string, shared: boolean): Promise<SubmissionDTO> {
    const row = this.submissions.get(id);
    if (!row) throw new NotFoundError('submission', id);
    row.value = { ...row.value, shared };
    return copySubmission(row.value);
  }

  async close(): Promise<void> {
    // nothing to release
  }

  private copySession(row: LiveSessionDTO): LiveSessionDTO {
    return { ...row, steps: cloneSteps(row.steps), presenting: row.presenting === null ? null : jsonCopy(row.presenting) };
  }
}
