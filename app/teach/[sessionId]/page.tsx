'use client';

import { useParams } from 'next/navigation';
import { TeachView } from '../../_components/teach/teach-view';

/** Instructor live view of one session. */
export default function TeachPage() {
  const { sessionId } = useParams<{ sessionId: string }>();
  return <TeachView key={sessionId} sessionId={sessionId} />;
}
