import type { Metadata } from 'next';
import type { ReactNode } from 'react';

// The editor is a client component: it names the lesson in the tab once loaded; this is the title until then.
export const metadata: Metadata = { title: 'Lesson editor' };

/** Lesson editor segment. */
export default function LessonsLayout({ children }: { children: ReactNode }) {
  return children;
}
