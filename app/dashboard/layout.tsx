import type { Metadata } from 'next';
import type { ReactNode } from 'react';

// The pages below are client components; their <title> comes from this server layout.
export const metadata: Metadata = { title: 'Lessons and sessions' };

/** Instructor dashboard segment. */
export default function DashboardLayout({ children }: { children: ReactNode }) {
  return children;
}
