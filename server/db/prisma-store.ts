/** The database-backed ClassroomStore: the repositories over one Prisma client. */
import type {
  ClassroomStore,
  ImageAssetDTO,
  InstructorDTO,
  InstructorWithSecretDTO,
  LiveSessionDTO,
  NewImageAsset,
  NewSession,
  NewSubmission,
  NewParticipant,
  JsonValue,
  RequestKey,
  RequestRecordDTO,
  ParticipantDTO,
  SessionPatch,
  SubmissionDTO,
  SubmissionFilter,
} from '@convlab/classroom';
import type { Db } from './client';
import { AccountRepository } from './account.repository';
import { AssignmentRepository } from './assignment.repository';
import { CourseRepository } from './course.repository';
import { ImageRepository } from './image.repository';
import { JobResultRepository } from './job-result.repository';
import { LessonRepository } from './lesson.repository';
import { LiveStateRepository } from './live-state.repository';
import { LtiRepository } from './lti.repository';
import { InstructorRepository } from './instructor.repository';
import { ImageUsageRepository } from './image-usage.repository';
import { InstructorSessionRepository } from './instructor-session.repository';
import { ParticipantRepository } from './participant.repository';
import { RequestRepository } from './request.repository';
import { SessionRepository } from './session.repository';
import { SubmissionRepository } from './submission.repository';
import { UploadedModelRepository } from './uploaded-model.repository';

/** ClassroomStore on Prisma (SQLite or PostgreSQL, whichever the client talks to). */
export class PrismaClassroomStore implements ClassroomStore {
  private readonly instructors: InstructorRepository;
  private readonly sessions: SessionRepository;
  private readonly participants: ParticipantRepository;
  private readonly images: ImageRepository;
  private readonly submissions: SubmissionRepository;
  private readonly requests: RequestRepository;
  /** The compute result cache's table (JobResultStore), on the same client. */
  readonly jobResults: JobResultRepository;
  /** Instructors' signed-in sessions (server/auth/auth-sessions.ts), on the same client. */
  readonly instructorSessions: InstructorSessionRepository;
  /** What students' images cost, and which ones nothing references (quotas, garbage collection). */
  readonly imageUsage: ImageUsageRepository;
  /** λ assignments and running sweeps (LiveStateStore), on the same client. */
  readonly liveState: LiveStateRepository;
  /** LTI 1.3 platforms, keys, launches, roster and grade passback (server/lti), on the same client. */
  readonly lti: LtiRepository;
  /** Accounts (instructors and students), approval and set-password tokens. */
  readonly accounts: AccountRepository;
  /** Courses, members and roster imports. */
  readonly courses: CourseRepository;
  /** Assignments, submissions and grades. */
  readonly assignments: AssignmentRepository;
  /** Uploaded models' catalog rows (server/models/model-store.ts), on the same client. */
  readonly uploadedModels: UploadedModelRepository;
  /** Instructors' lesson libraries, on the same client. */
  readonly lessons: LessonRepository;
  private closed: Promise<void> | null = null;

  /** `onClose` runs after the client disconnects (openStore closes its migration-status reader there). */
  constructor(
    private readonly db: Db,
    private readonly onClose: () => Promise<void> = async () => undefined,
  ) {
    this.instructors = new InstructorRepository(db);
    this.sessions = new SessionRepository(db);
    this.participants = new ParticipantRepository(db);
    this.images = new ImageRepository(db);
    this.submissions = new SubmissionRepository(db);
    this.requests = new RequestRepository(db);
    this.jobResults = new JobResultRepository(db);
    this.instructorSessions = new InstructorSessionRepository(db);
    this.imageUsage = new ImageUsageRepository(db);
    this.liveState = new LiveStateRepository(db);
    this.lti = new LtiRepository(db);
    this.accounts = new AccountRepository(db);
    this.courses = new CourseRepository(db);
    this.assignments = new AssignmentRepository(db);
    this.uploadedModels = new UploadedModelRepository(db);
    this.lessons = new LessonRepository(db);
  }

  createInstructor(input: { email: string; name: string; passwordHash: string }): Promise<InstructorDTO> {
    return this.instructors.create(input);
  }
  findInstructorByEmail(email: string): Promise<InstructorWithSecretDTO | null> {
    return this.instructors.findByEmail(email);
  }
  findInstructorById(id: string): Promise<InstructorDTO | null> {
    return this.instructors.findById(id);
  }

  createSession(input: NewSession): Promise<LiveSessionDTO> {
    return this.sessions.create(input);
  }
  findSessionById(id: string): Promise<LiveSessionDTO | null> {
    return this.sessions.findById(id);
  }
  findSessionByCode(code: string): Promise<LiveSessionDTO | null> {
    return this.sessions.findByCode(code);
  }
  listSessionsByInstructor(instructorId: string): Promise<LiveSessionDTO[]> {
    return this.sessions.listByInstructor(instructorId);
  }
  updateSession(id: string, patch: SessionPatch): Promise<LiveSessionDTO> {
    return this.sessions.update(id, patch);
  }

  deleteSession(id: string): Promise<{ participants: number; submissions: number } | null> {
    return this.sessions.delete(id);
  }

  createParticipant(input: NewParticipant, request?: RequestKey): Promise<ParticipantDTO> {
    return this.participants.create(input, request);
  }
  isDeviceRemoved(sessionId: string, deviceHash: string): Promise<boolean> {
    return this.participants.isDeviceRemoved(sessionId, deviceHash);
  }
  setParticipantToken(id: string, tokenHash: string): Promise<void> {
    return this.participants.setToken(id, tokenHash);
  }
  restoreParticipant(id: string): Promise<ParticipantDTO> {
    return this.participants.restore(id);
  }
  findParticipantByToken(sessionId: string, tokenHash: string): Promise<ParticipantDTO | null> {
    return this.participants.findByToken(sessionId, tokenHash);
  }
  findParticipantById(id: string): Promise<ParticipantDTO | null> {
    return this.participants.findById(id);
  }
  listParticipants(sessionId: string): Promise<ParticipantDTO[]> {
    return this.participants.listBySession(sessionId);
  }
  touchParticipant(id: string, at: Date): Promise<void> {
    return this.participants.touch(id, at);
  }
  removeParticipant(id: string, at: Date): Promise<ParticipantDTO> {
    return this.participants.remove(id, at);
  }

  saveImageAsset(input: NewImageAsset): Promise<ImageAssetDTO> {
    return this.images.save(input);
  }
  findImageAsset(hash: string): Promise<ImageAssetDTO | null> {
    return this.images.find(hash);
  }

  createSubmission(input: NewSubmission, request?: RequestKey): Promise<SubmissionDTO> {
    return this.submissions.create(input, request);
  }
  findSubmission(id: string): Promise<SubmissionDTO | null> {
    return this.submissions.findById(id);
  }
  listSubmissions(sessionId: string, filter?: SubmissionFilter): Promise<SubmissionDTO[]> {
    return this.submissions.listBySession(sessionId, filter);
  }
  setSubmissionShared(id: string, shared: boolean): Promise<SubmissionDTO> {
    return this.submissions.setShared(id, shared);
  }

  findRequest(scope: string, requestId: string): Promise<RequestRecordDTO | null> {
    return this.requests.find(scope, requestId);
  }
  saveRequest(record: RequestKey & { result: JsonValue }): Promise<RequestRecordDTO> {
    return this.requests.save(record);
  }

  /** Disconnects the Prisma client (idempotent). */
  close(): Promise<void> {
    this.closed ??= this.db.$disconnect().finally(() => this.onClose());
    return this.closed;
  }
}
