/**
 * The one seam between LTI and ConvLab's courses, accounts, assignments and grades (issue 12). LTI calls these when a
 * launch or a roster sync has found a person, a course or a link; everything LTI-specific stays in server/lti.
 */
import type { LtiContextDTO, LtiRole, LtiUserDTO } from '../db';
import type { LinkableAssignment } from './deep-linking';

export interface CourseBridge {
  /** Links the LMS person to a ConvLab account (created on first sight, matched only by (issuer, subject)). */
  accountFor(user: LtiUserDTO, role: LtiRole): Promise<string | null>;
  /** The ConvLab course of an LMS course (created on the first launch), with the launching staff member as its instructor. */
  courseFor(context: LtiContextDTO, staffAccountId: string | null): Promise<string | null>;
  /** Makes the account a member of the course with `role`, or marks it dropped. */
  setMembership(courseId: string, accountId: string, role: LtiRole, dropped: boolean): Promise<void>;
  /** The course's assignments an instructor may link from the LMS (deep linking). */
  assignments(courseId: string): Promise<LinkableAssignment[]>;
  /** Where a launch lands: the assignment for a student, the gradebook for staff; null for LTI's own landing page. */
  landingPath(role: LtiRole, courseId: string | null, assignmentId: string | null): string | null;
}

/** The bridge while ConvLab has no courses: LMS people and courses are kept by LTI alone and land on /lti/home. */
export const noCoursesBridge: CourseBridge = {
  accountFor: async () => null,
  courseFor: async () => null,
  setMembership: async () => undefined,
  assignments: async () => [],
  landingPath: () => null,
};
