import type { Metadata } from 'next';
import type { ReactNode } from 'react';

// The form is a client component; its <title> comes from this server layout.
export const metadata: Metadata = { title: 'New session' };

/** "New session" segment. */
export default function NewSessionLayout({ children }: { children: ReactNode }) {
  return children;
}
