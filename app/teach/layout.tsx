import type { Metadata } from 'next';
import type { ReactNode } from 'react';

// The live view is a client component; its <title> comes from this server layout.
export const metadata: Metadata = { title: 'Teaching live' };

/** Instructor live-view segment. */
export default function TeachLayout({ children }: { children: ReactNode }) {
  return children;
}
