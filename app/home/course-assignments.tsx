'use client';

/**
 * The slot for a course's assignments on a student's home page: their due dates (in the viewer's time zone) and,
 * once released, their grades. Filled in by the assignments work (issue 12, lane grading-work); empty until then.
 */
export function CourseAssignments({ courseId: _courseId }: { courseId: string }) {
  return null;
}
