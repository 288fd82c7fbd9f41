'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { api } from '../_lib/api-client';
import { useInFrame } from '../_lib/use-in-frame';
import type { Account, Instructor } from '@convlab/protocol';
import { SiteHeader } from './site-header';

/** Header for instructor pages: links to the dashboard, courses (and the admin page), who is signed in, and sign out. */
export function InstructorHeader({ instructor, wide = false }: { instructor: Account | Instructor | null; wide?: boolean }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const inFrame = useInFrame();

  async function signOut() {
    setBusy(true);
    try {
      await api.signOut();
    } catch {
      // Even if the request failed, leave the instructor pages; the cookie expires on its own.
    }
    router.replace('/');
    router.refresh();
  }

  // Inside an LMS's frame (LTI) only who is signed in: the other pages refuse to be framed, and the LMS signs in.
  if (inFrame) {
    return <SiteHeader wide={wide}>{instructor ? <span className="text-sm text-slate-600">{instructor.name}</span> : null}</SiteHeader>;
  }
  return (
    <SiteHeader wide={wide}>
      <Link href="/dashboard" className="btn btn-ghost">
        My sessions
      </Link>
      <Link href="/courses" className="btn btn-ghost">
        Courses
      </Link>
      {instructor && 'admin' in instructor && instructor.admin ? (
        <Link href="/admin" className="btn btn-ghost">
          Admin
        </Link>
      ) : null}
      {instructor ? (
        <span className="hidden text-sm text-slate-600 md:inline" title={instructor.email}>
          {instructor.name}
        </span>
      ) : null}
      <button type="button" className="btn btn-secondary" onClick={signOut} disabled={busy}>
        {busy ? 'Signing out…' : 'Sign out'}
      </button>
    </SiteHeader>
  );
}
