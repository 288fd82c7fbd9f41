'use client';

import { useEffect, useState } from 'react';

/**
 * True when the page runs inside another site's frame (an LMS opened it through LTI). Pages hide links to ConvLab's
 * own pages there: those refuse to be framed, and the frame's sign-in exists only inside the LMS.
 */
export function useInFrame(): boolean {
  const [framed, setFramed] = useState(false);
  useEffect(() => setFramed(window.self !== window.top), []);
  return framed;
}
