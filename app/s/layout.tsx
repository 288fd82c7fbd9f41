import type { Metadata } from 'next';
import type { ReactNode } from 'react';

// The student view is a client component; its <title> comes from this server layout.
export const metadata: Metadata = { title: 'Live session' };

/** Student live-view segment. */
export default function StudentLayout({ children }: { children: ReactNode }) {
  return children;
}
