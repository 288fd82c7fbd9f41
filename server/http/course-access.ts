/**
 * Who may do what in a course. Every course-scoped route (rosters here; assignments, submissions and the gradebook
 * elsewhere) starts with `requireCourseRole`: the signed-in account must be a current (not dropped) member with one
 * of the roles the route allows. Admins get no access to a course's data by being admins.
 */
import { ProtocolError, type CourseRole } from '@convlab/protocol';
import type { ServerContext } from '../context';
import type { AccountRecord, CourseRecord } from '../db';
import { requireAccount } from './auth.routes';
import type { ApiRequest } from './router';

/** The roles that see every student's work and grades (instructors edit, TAs only grade). */
export const COURSE_STAFF: readonly CourseRole[] = ['instructor', 'ta'];
/** The roles that may change the course itself: members, assignments, settings. */
export const COURSE_EDITORS: readonly CourseRole[] = ['instructor'];
/** Every member. */
export const COURSE_MEMBERS: readonly CourseRole[] = ['instructor', 'ta', 'student'];

export interface CourseAccess {
  account: AccountRecord;
  course: CourseRecord;
  /** The account's role in the course. */
  role: CourseRole;
}

/**
 * The signed-in account's access to `courseId` when its role is one of `roles`. UNAUTHORIZED when signed out;
 * NOT_FOUND when the course does not exist or the account is not (or no longer) a member — the same answer, so
 * a course's existence is not revealed to outsiders; FORBIDDEN for a member whose role is not allowed.
 */
export async function requireCourseRole(
  req: ApiRequest,
  ctx: ServerContext,
  courseId: string,
  roles: readonly CourseRole[],
): Promise<CourseAccess> {
  const account = await requireAccount(req, ctx);
  const [course, membership] = await Promise.all([ctx.courses.findById(courseId), ctx.courses.findMembership(courseId, account.id)]);
  if (!course || !membership || membership.droppedAt !== null) throw new ProtocolError('NOT_FOUND', 'no such course');
  if (!roles.includes(membership.role)) {
    throw new ProtocolError('FORBIDDEN', `this needs the role ${roles.join(' or ')} in this course; yours is ${membership.role}`);
  }
  return { account, course, role: membership.role };
}
