import type { Metadata } from 'next';
import type { ReactNode } from 'react';

// The page is a client component; its <title> comes from this server layout.
export const metadata: Metadata = { title: 'Assignment' };

/** The student's assignment segment. */
export default function Layout({ children }: { children: ReactNode }) {
  return children;
}
