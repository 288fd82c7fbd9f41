/**
 * Tiny JSON client for ConvLab's HTTP API (served by the custom server under /api, paths from
 * `@convlab/protocol`). Every failure becomes an `ApiError` with the server's code and a message fit
 * to show a person.
 */
import {
  API,
  type InstalledModel,
  newRequestId,
  LTI_PATHS,
  type LmsGradesResponse,
  type LtiPlatform,
  type LtiPlatformsResponse,
  type LtiToolConfig,
  type RegisterPlatformBody,
  ASSIGNMENT_API,
  COURSE_API,
  type Assignment,
  type AssignmentSubmission,
  type CreateAssignmentBody,
  type Gradebook,
  type StudentAssignment,
  type AccountResponse,
  type AddStaffBody,
  type AdminAccountListResponse,
  type CourseListResponse,
  type CourseResponse,
  type CreateCourseBody,
  type PasswordLinkInfoResponse,
  type PasswordLinkResponse,
  type RosterImportResponse,
  type StudentSignupBody,
  type CreateLessonBody,
  type CreateSessionBody,
  type LessonFile,
  type LessonResponse,
  type LibraryResponse,
  type SaveLessonBody,
  type ImageLibraryResponse,
  type ImageResponse,
  type InstructorResponse,
  type JoinInfoResponse,
  type LessonsResponse,
  type MyWorkResponse,
  type FirstConv,
  type ModelsResponse,
  type SamplesResponse,
  type SessionDetailResponse,
  type SessionListResponse,
  type SessionResponse,
  type SigninBody,
  type SignedInSessionListResponse,
  type ModelUploadResponse,
  type SignupBody,
  type Submission,
} from '@convlab/protocol';
import { describeError, humanizeError } from './error-messages';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The parsed JSON body of the answer (a refused roster lists its problems there). */
    readonly body: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * Calls a JSON endpoint; resolves with the parsed body, rejects with an `ApiError`. A `Blob` body is sent as it is
 * (an image upload, typed by the file), a `FormData` as multipart (a model upload); anything else as JSON.
 */
export async function apiFetch<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const form = typeof FormData !== 'undefined' && init.body instanceof FormData ? init.body : null;
  const blob = typeof Blob !== 'undefined' && init.body instanceof Blob ? init.body : null;
  const raw = form ?? blob;
  const headers: Record<string, string> = { accept: 'application/json' };
  // A form's content-type (with its boundary) is the browser's to write.
  if (blob) headers['content-type'] = blob.type || 'application/octet-stream';
  else if (!form && init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      body: raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'NETWORK', describeError('NETWORK'));
  }
  if (res.status === 204) return undefined as T;
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // A non-JSON body (proxy error page, empty 500): fall through to a generic message.
  }
  if (!res.ok) {
    const err = (body ?? {}) as { error?: unknown; message?: unknown };
    const code = typeof err.error === 'string' ? err.error : `HTTP_${res.status}`;
    throw new ApiError(res.status, code, humanizeError(code, typeof err.message === 'string' ? err.message : '', res.status), body);
  }
  return body as T;
}

/** The typed endpoints of docs/protocol.md. */
export const api = {
  signUp: (body: SignupBody) => apiFetch<InstructorResponse>(API.signup, { method: 'POST', body }),
  signIn: (body: SigninBody) => apiFetch<InstructorResponse>(API.signin, { method: 'POST', body }),
  signOut: () => apiFetch<void>(API.signout, { method: 'POST' }),
  me: () => apiFetch<InstructorResponse>(API.me),
  /** LTI: registered LMS platforms and the values an LMS admin enters (ConvLab's admin only). */
  ltiPlatforms: () => apiFetch<LtiPlatformsResponse>(LTI_PATHS.platforms),
  rotateLtiKey: () => apiFetch<{ kid: string }>(LTI_PATHS.rotateKey, { method: 'POST' }),
  registerLtiPlatform: (body: RegisterPlatformBody) => apiFetch<{ platform: LtiPlatform; tool: LtiToolConfig }>(LTI_PATHS.platforms, { method: 'POST', body }),
  /** The instructor's signed-in sessions (browsers), newest first. */
  listSignedInSessions: () => apiFetch<SignedInSessionListResponse>(API.authSessions),
  /** Ends one of them on the server. */
  revokeSignedInSession: (id: string) => apiFetch<void>(API.revokeAuthSession(id), { method: 'POST' }),
  listSessions: () => apiFetch<SessionListResponse>(API.sessions),
  createSession: (body: CreateSessionBody) => apiFetch<SessionResponse>(API.sessions, { method: 'POST', body }),
  getSession: (id: string) => apiFetch<SessionDetailResponse>(API.session(id)),
  lookupJoinCode: (code: string) => apiFetch<JoinInfoResponse>(API.join(code)),
  /** A student's own work in a session (and what was shared), by the resume token saved on joining; also after the end. */
  myWork: (code: string, resumeToken: string) => apiFetch<MyWorkResponse>(API.myWork(code), { method: 'POST', body: { resumeToken } }),
  listLessons: () => apiFetch<LessonsResponse>(API.lessons),
  /** The instructor's lesson library (and lessons deleted lately, for Undo). */
  library: () => apiFetch<LibraryResponse>(API.library),
  /** A new lesson under the client's id (a retry returns the same one): empty, a plan, or a copy (`copyOf`). */
  createLesson: (body: CreateLessonBody) => apiFetch<LessonResponse>(API.library, { method: 'POST', body }),
  getLesson: (id: string) => apiFetch<LessonResponse>(API.libraryLesson(id)),
  /** Autosave: refused with CONFLICT when another window saved since `revision`. */
  saveLesson: (id: string, body: SaveLessonBody) => apiFetch<LessonResponse>(API.libraryLesson(id), { method: 'POST', body }),
  deleteLesson: (id: string) => apiFetch<LessonResponse>(API.libraryAction(id, 'delete'), { method: 'POST' }),
  restoreLesson: (id: string) => apiFetch<LessonResponse>(API.libraryAction(id, 'restore'), { method: 'POST' }),
  shareLesson: (id: string, email: string, copyId: string) => apiFetch<{ recipient: string }>(API.libraryAction(id, 'share'), { method: 'POST', body: { email, copyId } }),
  importLesson: (id: string, file: LessonFile | unknown) => apiFetch<LessonResponse>(API.libraryImport, { method: 'POST', body: { id, file } }),
  /** Starts a session from a snapshot of the lesson (`ready:<id>` for a ready-made one). */
  startLesson: (id: string) => apiFetch<SessionResponse>(API.libraryAction(id, 'start'), { method: 'POST' }),
  /** Deletes a session with everything students did in it; says how much went. */
  deleteSession: (id: string) => apiFetch<{ deleted: { participants: number; submissions: number } }>(API.sessionAction(id, 'delete'), { method: 'POST' }),
  duplicateSession: (id: string) => apiFetch<SessionResponse>(API.sessionAction(id, 'duplicate'), { method: 'POST' }),
  listModels: () => apiFetch<ModelsResponse>(API.models),
  /** An ONNX model as a form of MODEL_UPLOAD's fields; the server imports it before answering. */
  uploadModel: (form: FormData) => apiFetch<ModelUploadResponse>(API.models, { method: 'POST', body: form }),
  /** Deletes an uploaded model (its uploader or an admin); refused, with the reason, while a live session or an open assignment uses it. */
  deleteModel: (id: string) => apiFetch<{ deleted: InstalledModel }>(API.modelDelete(id), { method: 'POST' }),
  /** A model's first convolution (layer, HWIO shape, stride, weights). */
  firstConv: (modelId: string) => apiFetch<FirstConv>(API.firstConv(modelId)),
  listSamples: () => apiFetch<SamplesResponse>(API.samples),
  /** Uploads an image file as the raw request body (`POST /api/images`); a refusal says why in the server's words. */
  uploadImage: (file: Blob) => apiFetch<ImageResponse>(API.images, { method: 'POST', body: file }),
  /** The instructor's uploaded images, newest first (their image library). */
  imageLibrary: () => apiFetch<ImageLibraryResponse>(API.images),
  /** Every stored submission of a session (also after it ended), optionally of one step. */
  listSubmissions: (sessionId: string, stepId?: string) =>
    apiFetch<{ submissions: Submission[] }>(`${API.session(sessionId)}/submissions${stepId ? `?stepId=${encodeURIComponent(stepId)}` : ''}`),

  /** The signed-in account's courses (any role). */
  listCourses: () => apiFetch<CourseListResponse>(COURSE_API.courses),
  createCourse: (body: CreateCourseBody) => apiFetch<CourseResponse>(COURSE_API.courses, { method: 'POST', body }),
  /** A course with its roster (its instructors and TAs only). */
  getCourse: (id: string) => apiFetch<CourseResponse>(COURSE_API.course(id)),
  deleteCourse: (id: string) => apiFetch<{ deletedAccounts: number }>(COURSE_API.deleteCourse(id), { method: 'POST', body: {} }),
  addStaff: (id: string, body: AddStaffBody) => apiFetch<CourseResponse>(COURSE_API.staff(id), { method: 'POST', body }),
  setDropped: (id: string, accountId: string, dropped: boolean) =>
    apiFetch<CourseResponse>(COURSE_API.member(id, accountId), { method: 'POST', body: { dropped } }),
  passwordLink: (id: string, accountId: string) => apiFetch<PasswordLinkResponse>(COURSE_API.passwordLink(id, accountId), { method: 'POST', body: {} }),
  /** Imports a roster CSV; a refused one rejects with an ApiError (422) whose body is `{ ok: false, problems }`. */
  importRoster: (id: string, csv: string, dryRun: boolean) =>
    apiFetch<RosterImportResponse>(COURSE_API.roster(id), { method: 'POST', body: { csv, dryRun } }),
  setEnrolCode: (id: string, open: boolean) => apiFetch<CourseResponse>(COURSE_API.enrolCode(id), { method: 'POST', body: { open } }),
  studentSignUp: (body: StudentSignupBody) => apiFetch<AccountResponse & { courseId: string }>(COURSE_API.studentSignup, { method: 'POST', body }),
  enrol: (enrolCode: string) => apiFetch<{ courseId: string }>(COURSE_API.enrol, { method: 'POST', body: { enrolCode } }),
  passwordLinkInfo: (token: string) => apiFetch<PasswordLinkInfoResponse>(COURSE_API.passwordLinkInfo(token)),
  usePasswordLink: (token: string, password: string) =>
    apiFetch<AccountResponse>(COURSE_API.usePasswordLink(token), { method: 'POST', body: { password } }),
  /** A course's assignments: with their grading for staff, without it (and with the student's status) for students. */
  listAssignments: (courseId: string) => apiFetch<{ assignments: (Assignment | StudentAssignment)[] }>(ASSIGNMENT_API.ofCourse(courseId)),
  createAssignment: (courseId: string, body: CreateAssignmentBody) => apiFetch<{ assignment: Assignment }>(ASSIGNMENT_API.ofCourse(courseId), { method: 'POST', body }),
  getAssignment: (id: string) => apiFetch<{ assignment: Assignment | StudentAssignment }>(ASSIGNMENT_API.assignment(id)),
  gradebook: (id: string) => apiFetch<{ gradebook: Gradebook }>(ASSIGNMENT_API.action(id, 'gradebook')),
  releaseGrades: (id: string, released: boolean) => apiFetch<{ assignment: Assignment }>(ASSIGNMENT_API.action(id, 'release'), { method: 'POST', body: { released } }),
  /** The assignment's grade passback to the LMS per student (LTI), and "send again" for the version shown. */
  lmsGrades: (id: string) => apiFetch<LmsGradesResponse>(LTI_PATHS.assignmentGrades(id)),
  resendLmsGrade: (id: string, scoreId: string, seenUpdatedAt: string) =>
    apiFetch<LmsGradesResponse>(LTI_PATHS.resendAssignmentGrade(id, scoreId), { method: 'POST', body: { seenUpdatedAt } }),
  assignmentSubmissions: (id: string) => apiFetch<{ submissions: AssignmentSubmission[] }>(ASSIGNMENT_API.action(id, 'submissions')),
  getAssignmentSubmission: (id: string) => apiFetch<{ submission: AssignmentSubmission; history: { kind: string; byId: string | null; data: unknown; createdAt: string }[] }>(ASSIGNMENT_API.submission(id)),
  gradeByHand: (id: string, rubric: Record<string, number>, comment: string) =>
    apiFetch<{ submission: AssignmentSubmission }>(ASSIGNMENT_API.grade(id, 'grade'), { method: 'POST', body: { requestId: newRequestId(), rubric, comment } }),
  overrideGrade: (id: string, points: number | null, reason: string) =>
    apiFetch<{ submission: AssignmentSubmission }>(ASSIGNMENT_API.grade(id, 'override'), { method: 'POST', body: { requestId: newRequestId(), points, reason } }),
  listInstructorAccounts: () => apiFetch<AdminAccountListResponse>(COURSE_API.adminAccounts),
  approveInstructor: (accountId: string, approved: boolean) =>
    apiFetch<AccountResponse>(COURSE_API.adminApprove(accountId), { method: 'POST', body: { approved } }),
};
