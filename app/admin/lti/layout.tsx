import type { Metadata } from 'next';
import type { ReactNode } from 'react';

export const metadata: Metadata = { title: 'LMS platforms (LTI)' };

/** ConvLab's admin: LMS platforms registered for LTI 1.3. */
export default function AdminLtiLayout({ children }: { children: ReactNode }) {
  return children;
}
