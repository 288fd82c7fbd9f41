import type { Metadata } from 'next';
import type { ReactNode } from 'react';

// The pages below are client components; their <title> comes from this server layout.
export const metadata: Metadata = { title: 'Courses' };

/** The courses segment. */
export default function Layout({ children }: { children: ReactNode }) {
  return children;
}
