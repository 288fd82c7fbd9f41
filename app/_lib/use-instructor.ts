'use client';

import { usePathname, useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { api, ApiError } from './api-client';
import type { Instructor } from '@convlab/protocol';

/** Loads the signed-in instructor; sends a signed-out visitor to the sign-in page and back here after. */
export function useInstructor(): { instructor: Instructor | null; error: string | null } {
  const router = useRouter();
  const pathname = usePathname();
  const [instructor, setInstructor] = useState<Instructor | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const load = () =>
      api
        .me()
        .then((res) => {
          if (cancelled) return;
          setInstructor(res.instructor);
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
  }, [router, pathname]);

  return { instructor, error };
}
