/**
 * The one seam between LTI and ConvLab's courses, accounts, assignments and grades (issue 12). LTI calls these when a
 * launch or a roster sync has found a person, a course or a link; everything LTI-specific stays in server/lti.
 */
import { LTI_ACCOUNT_EMAIL_DOMAIN } from '@convlab/protocol';
import type { AccountRepository, AssignmentRepository, CourseRepository, LtiContextDTO, LtiRole, LtiUserDTO } from '../db';
import { stepMaxPoints } from '../grading/assignment.service';
import type { LinkableAssignment } from './deep-linking';

export interface CourseBridge {
  /** The ConvLab account of an LMS person (created on first sight; matched only through the (issuer, subject) link). */
  accountFor(user: LtiUserDTO, role: LtiRole): Promise<string | null>;
  /** The ConvLab course of an LMS course, created with `staffAccountId` as its instructor; null while only students came. */
  courseFor(context: LtiContextDTO, staffAccountId: string | null): Promise<string | null>;
  /** Makes the account a member of the course with `role`, or marks it dropped. */
  setMembership(courseId: string, accountId: string, role: LtiRole, dropped: boolean): Promise<void>;
  /** The course's assignments an instructor may link from the LMS (deep linking). */
  assignments(courseId: string): Promise<LinkableAssignment[]>;
  /** Where a launch lands: the assignment for a student, the gradebook for staff; null for LTI's own landing page. */
  landingPath(role: LtiRole, courseId: string | null, assignmentId: string | null): string | null;
}

/**
 * An LMS person's account carries no real e-mail (accounts are unique by e-mail, and LTI never matches by it): a
 * reserved-domain address derived from the (issuer, subject) link's id. The LMS's e-mail stays on the LTI user.
 */
function accountEmail(user: LtiUserDTO): string {
  return `lti-${user.id.toLowerCase()}@${LTI_ACCOUNT_EMAIL_DOMAIN}`;
}

/** The bridge onto the courses, accounts and assignments of issue 12. */
export function createCourseBridge(accounts: AccountRepository, courses: CourseRepository, assignments: AssignmentRepository): CourseBridge {
  return {
    async accountFor(user, role) {
      // No password: an LMS account signs in by launching. Staff get instructor accounts (unapproved: their rights
      // come from their course membership, not from running live sessions).
      const account = await accounts.create({ email: accountEmail(user), name: user.name, role: role === 'student' ? 'student' : 'instructor', passwordHash: null });
      return account.id;
    },
    async courseFor(context, staffAccountId) {
      if (!staffAccountId) return null;
      return (await courses.create(context.title, staffAccountId)).id;
    },
    async setMembership(courseId, accountId, role, dropped) {
      if (dropped) await courses.setDropped(courseId, accountId, true);
      else await courses.upsertMember({ courseId, accountId, role, source: 'lti' });
    },
    async assignments(courseId) {
      const list = await assignments.listForCourse(courseId);
      return list.map((a) => ({ id: a.id, title: a.title, maxPoints: a.steps.reduce((n, step) => n + stepMaxPoints(step.grading), 0) }));
    },
    // A link to an assignment opens it: its page for a student, its gradebook for staff. Staff without one land on
    // the course; a student without one on LTI's own page ("your assignment opens here once it is linked").
    landingPath(role, courseId, assignmentId) {
      if (role === 'student') return assignmentId ? `/assignments/${encodeURIComponent(assignmentId)}` : null;
      if (!courseId) return null;
      const course = `/courses/${encodeURIComponent(courseId)}`;
      return assignmentId ? `${course}/assignments/${encodeURIComponent(assignmentId)}` : course;
    },
  };
}
