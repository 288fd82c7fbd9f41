'use client';

import { usePathname, useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { api, ApiError } from './api-client';
import type { Account } from '@convlab/protocol';

/**
 * Loads the signed-in account; sends a signed-out visitor to the sign-in page and back here after. With
 * `instructorsOnly`, a student's account goes to their home page instead.
 */
export function useAccount({ instructorsOnly = false } = {}): { account: Account | null; error: string | null } {
  const router = useRouter();
  const pathname = usePathname();
  const [account, setAccount] = useState<Account | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const load = () =>
      api
        .me()
        .then((res) => {
          if (cancelled) return;
          if (instructorsOnly && res.account.role === 'student') {
            router.replace('/home');
            return;
          }
          setAccount(res.account);
          setError(null);
        })
        .catch((err: unknown) => {
          if (cancelled) return;
          if (err instanceof ApiError && err.status === 401) {
            router.replace(`/signin?next=${encodeURIComponent(pathname)}`);
            return;
          }
          setError(err instanceof Error ? err.message : 'Could not load your account.');
          // Network trouble or a restarting server: keep trying rather than leave a dead page.
          retry = setTimeout(load, 3000);
        });
    load();
    return () => {
      cancelled = true;
      clearTimeout(retry);
    };
  }, [router, pathname, instructorsOnly]);

  return { account, error };
}

/** The signed-in instructor (students are sent to their home page, signed-out visitors to sign in). */
export function useInstructor(): { instructor: Account | null; error: string | null } {
  const { account, error } = useAccount({ instructorsOnly: true });
  return { instructor: account, error };
}
