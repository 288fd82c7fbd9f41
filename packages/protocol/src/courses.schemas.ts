/**
 * Accounts, courses and rosters over HTTP (`/api/courses*`, `/api/admin/*`, `/api/student/*`, `/api/password-links/*`).
 * The roster CSV's error codes are here too, so the course page can explain each refused line.
 */
import { z } from 'zod';
import { RequestIdSchema } from './request-id';
import { JOIN_CODE_ALPHABET } from './join-code';

const IsoDate = z.string().max(40);
const Id = z.string().min(1).max(64);

export const ACCOUNT_ROLES = ['instructor', 'student'] as const;
/** What an account may do outside courses: an approved instructor runs live sessions and creates courses. */
export const AccountRoleSchema = z.enum(ACCOUNT_ROLES);
export type AccountRole = z.infer<typeof AccountRoleSchema>;

export const COURSE_ROLES = ['instructor', 'ta', 'student'] as const;
/** A member's role in one course: instructors edit it, TAs grade (not edit), students take part. */
export const CourseRoleSchema = z.enum(COURSE_ROLES);
export type CourseRole = z.infer<typeof CourseRoleSchema>;

/** The signed-in account as its owner sees it. */
export const AccountSchema = z.object({
  id: Id,
  email: z.string(),
  name: z.string(),
  role: AccountRoleSchema,
  /** Instructors: an admin approved the account (students: always true). */
  approved: z.boolean(),
  admin: z.boolean(),
  createdAt: IsoDate,
});
export type Account = z.infer<typeof AccountSchema>;

export const AccountResponseSchema = z.object({ account: AccountSchema });
export type AccountResponse = z.infer<typeof AccountResponseSchema>;

/** Enrolment codes: the join-code alphabet, 8 characters (a live session's code has 6, so the two never mix up). */
export const ENROL_CODE_LENGTH = 8;
export const EnrolCodeSchema = z
  .string()
  .transform((s) => s.replace(/[\s-]+/g, '').toUpperCase())
  .pipe(z.string().regex(new RegExp(`^[${JOIN_CODE_ALPHABET}]{${ENROL_CODE_LENGTH}}$`), 'an enrolment code has 8 letters and digits'));

export const COURSE_TITLE_MAX = 200;
export const STUDENT_NUMBER_MAX = 64;
export const PERSON_NAME_MAX = 100;

/** A course as any member sees it in a list; `role` is the viewer's. */
export const CourseSummarySchema = z.object({
  id: Id,
  title: z.string(),
  role: CourseRoleSchema,
  createdAt: IsoDate,
});
export type CourseSummary = z.infer<typeof CourseSummarySchema>;

export const CourseListResponseSchema = z.object({ courses: z.array(CourseSummarySchema) });
export type CourseListResponse = z.infer<typeof CourseListResponseSchema>;

/** One member of a course, as its instructors and TAs see the roster. */
export const CourseMemberSchema = z.object({
  accountId: Id,
  name: z.string(),
  email: z.string(),
  role: CourseRoleSchema,
  studentNumber: z.string().nullable(),
  /** 'created' | 'added' | 'roster' | 'code' | 'lti' */
  source: z.string(),
  /** The account has a password (false: it needs a set-password link, or signs in through an LMS). */
  hasPassword: z.boolean(),
  droppedAt: IsoDate.nullable(),
  createdAt: IsoDate,
});
export type CourseMember = z.infer<typeof CourseMemberSchema>;

/** A course's page: everything its staff see; students get the summary only. */
export const CourseDetailSchema = z.object({
  id: Id,
  title: z.string(),
  role: CourseRoleSchema,
  /** null: enrolment by code is closed. */
  enrolCode: z.string().nullable(),
  createdAt: IsoDate,
  members: z.array(CourseMemberSchema),
});
export type CourseDetail = z.infer<typeof CourseDetailSchema>;

export const CourseResponseSchema = z.object({ course: CourseDetailSchema });
export type CourseResponse = z.infer<typeof CourseResponseSchema>;

export const CreateCourseBodySchema = z.strictObject({
  title: z.string().trim().min(1, 'a title is required').max(COURSE_TITLE_MAX),
  /** The client's id for this creation: a retry with the same one returns the course made the first time. */
  requestId: RequestIdSchema.optional(),
});
export type CreateCourseBody = z.input<typeof CreateCourseBodySchema>;

const Email = z.string().trim().toLowerCase().max(254).pipe(z.email('a valid email address is required'));

/** Adds a co-instructor or TA by the e-mail of an existing account (students come by roster or code). */
export const AddStaffBodySchema = z.strictObject({
  email: Email,
  role: z.enum(['instructor', 'ta']),
});
export type AddStaffBody = z.input<typeof AddStaffBodySchema>;

export const MemberPatchBodySchema = z.strictObject({
  /** true: drop the member (they lose access, their work stays); false: restore. */
  dropped: z.boolean(),
});
export type MemberPatchBody = z.input<typeof MemberPatchBodySchema>;

export const EnrolCodeBodySchema = z.strictObject({
  /** true: a new code (the old one stops working); false: close enrolment by code. */
  open: z.boolean(),
});
export type EnrolCodeBody = z.input<typeof EnrolCodeBodySchema>;

/** Roster CSV import (the text of the file; up to the server's row limit). */
export const ROSTER_CSV_MAX_BYTES = 2 * 1024 * 1024;
export const RosterImportBodySchema = z.strictObject({
  csv: z.string().max(ROSTER_CSV_MAX_BYTES, 'the roster file is larger than 2 MB'),
  /** true: check and report only, change nothing. */
  dryRun: z.boolean().optional(),
});
export type RosterImportBody = z.input<typeof RosterImportBodySchema>;

/**
 * Why a roster is refused, per line (`line` is the file's line number, 1 = the header; 0: the whole file):
 * - EMPTY: no header or no rows; MISSING_COLUMN: no `name` or `email` column; UNKNOWN_COLUMN: a header that is not
 *   name, email or student_id; DUPLICATE_COLUMN: a header twice;
 * - BAD_CSV: the text is not CSV (unclosed quote, a row with the wrong number of fields), or not UTF-8;
 * - TOO_MANY_ROWS: more rows than the server's limit (CONVLAB_ROSTER_MAX_ROWS);
 * - MISSING_NAME, NAME_TOO_LONG, BAD_EMAIL, STUDENT_ID_TOO_LONG: a cell;
 * - DUPLICATE_EMAIL / DUPLICATE_STUDENT_ID: the same student twice in the file (`message` names the first line);
 * - NOT_A_STUDENT: the e-mail belongs to an instructor account or to this course's staff.
 */
export const ROSTER_ERROR_CODES = [
  'EMPTY',
  'MISSING_COLUMN',
  'UNKNOWN_COLUMN',
  'DUPLICATE_COLUMN',
  'BAD_CSV',
  'TOO_MANY_ROWS',
  'MISSING_NAME',
  'NAME_TOO_LONG',
  'BAD_EMAIL',
  'STUDENT_ID_TOO_LONG',
  'DUPLICATE_EMAIL',
  'DUPLICATE_STUDENT_ID',
  'NOT_A_STUDENT',
] as const;
export const RosterErrorCodeSchema = z.enum(ROSTER_ERROR_CODES);
export type RosterErrorCode = z.infer<typeof RosterErrorCodeSchema>;

export const RosterProblemSchema = z.object({ line: z.number().int().min(0), code: RosterErrorCodeSchema, message: z.string() });
export type RosterProblem = z.infer<typeof RosterProblemSchema>;

/** The result of an import: refused as a whole with every problem found, or applied with what changed. */
export const RosterImportResponseSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(false), problems: z.array(RosterProblemSchema) }),
  z.object({
    ok: z.literal(true),
    dryRun: z.boolean(),
    rows: z.number().int(),
    /** Accounts created for students who had none. */
    created: z.number().int(),
    /** Existing accounts newly enrolled (or restored after a drop). */
    enrolled: z.number().int(),
    /** Already enrolled: nothing to do (re-importing the same roster changes nothing). */
    unchanged: z.number().int(),
  }),
]);
export type RosterImportResponse = z.infer<typeof RosterImportResponseSchema>;

/** A one-time set-password link for a member (shown to the instructor to copy; only its hash is stored). */
export const PasswordLinkResponseSchema = z.object({ url: z.string(), expiresAt: IsoDate });
export type PasswordLinkResponse = z.infer<typeof PasswordLinkResponseSchema>;

const Password = z.string().min(8, 'a password has at least 8 characters').max(200, 'a password has at most 200 characters');

export const SetPasswordBodySchema = z.strictObject({ password: Password });
export type SetPasswordBody = z.input<typeof SetPasswordBodySchema>;

/** What the set-password page shows before the password is chosen. */
export const PasswordLinkInfoResponseSchema = z.object({ name: z.string(), email: z.string() });
export type PasswordLinkInfoResponse = z.infer<typeof PasswordLinkInfoResponseSchema>;

/** A student creates their own account with a course's enrolment code. */
export const StudentSignupBodySchema = z.strictObject({
  email: Email,
  password: Password,
  name: z.string().trim().min(1, 'a name is required').max(PERSON_NAME_MAX),
  enrolCode: EnrolCodeSchema,
});
export type StudentSignupBody = z.input<typeof StudentSignupBodySchema>;

/** A signed-in student enrols in one more course. */
export const EnrolBodySchema = z.strictObject({ enrolCode: EnrolCodeSchema });
export type EnrolBody = z.input<typeof EnrolBodySchema>;

/** Instructor accounts as the admin sees them. */
export const AdminAccountListResponseSchema = z.object({ accounts: z.array(AccountSchema) });
export type AdminAccountListResponse = z.infer<typeof AdminAccountListResponseSchema>;

export const ApproveBodySchema = z.strictObject({ approved: z.boolean() });
export type ApproveBody = z.input<typeof ApproveBodySchema>;

/** Paths of the course, account and admin routes. */
export const COURSE_API = {
  courses: '/api/courses',
  course: (id: string) => `/api/courses/${encodeURIComponent(id)}`,
  deleteCourse: (id: string) => `/api/courses/${encodeURIComponent(id)}/delete`,
  staff: (id: string) => `/api/courses/${encodeURIComponent(id)}/staff`,
  member: (id: string, accountId: string) => `/api/courses/${encodeURIComponent(id)}/members/${encodeURIComponent(accountId)}`,
  passwordLink: (id: string, accountId: string) =>
    `/api/courses/${encodeURIComponent(id)}/members/${encodeURIComponent(accountId)}/password-link`,
  roster: (id: string) => `/api/courses/${encodeURIComponent(id)}/roster`,
  enrolCode: (id: string) => `/api/courses/${encodeURIComponent(id)}/enrol-code`,
  enrol: '/api/student/enrol',
  studentSignup: '/api/student/signup',
  account: '/api/account',
  passwordLinkInfo: (token: string) => `/api/password-links/${encodeURIComponent(token)}`,
  usePasswordLink: (token: string) => `/api/password-links/${encodeURIComponent(token)}/use`,
  adminAccounts: '/api/admin/accounts',
  adminApprove: (accountId: string) => `/api/admin/accounts/${encodeURIComponent(accountId)}/approve`,
} as const;
