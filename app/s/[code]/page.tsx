'use client';

import { useParams } from 'next/navigation';
import { StudentView } from '../../_components/student/student-view';

/** The student's live view of a session. */
export default function StudentPage() {
  const { code } = useParams<{ code: string }>();
  return <StudentView key={code} rawCode={code} />;
}
