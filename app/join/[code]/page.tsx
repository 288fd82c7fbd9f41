'use client';

import { useParams } from 'next/navigation';
import { JoinNameView } from '../../_components/student/join-name-view';

/** Display-name entry for a join code (the page a QR code opens). */
export default function JoinCodePage() {
  const { code } = useParams<{ code: string }>();
  return <JoinNameView key={code} rawCode={code} />;
}
