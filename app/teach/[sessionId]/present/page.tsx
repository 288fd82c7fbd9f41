'use client';

import { useParams } from 'next/navigation';
import { PresentView } from '../../../_components/present/present-view';

/** The instructor's present view of one session, for the projector. */
export default function PresentPage() {
  const { sessionId } = useParams<{ sessionId: string }>();
  return <PresentView key={sessionId} sessionId={sessionId} />;
}
