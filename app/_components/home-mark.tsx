'use client';

import Link from 'next/link';
import type { ReactNode } from 'react';
import { useInFrame } from '../_lib/use-in-frame';

/**
 * The ConvLab mark: a link to the home page, except inside an LMS's frame (LTI), where the home page refuses to be
 * framed and leaving the launched page would strand the user: there it is the mark alone.
 */
export function HomeMark({ className, children }: { className: string; children: ReactNode }) {
  const inFrame = useInFrame();
  if (inFrame) return <span className={className}>{children}</span>;
  return (
    <Link href="/" className={className}>
      {children}
    </Link>
  );
}
