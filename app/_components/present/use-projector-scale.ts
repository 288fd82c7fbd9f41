'use client';

import { useEffect, useState } from 'react';

/** The layout is drawn for 1280×720; on a larger screen it is magnified to fill it (1.5 at 1920×1080). */
const DESIGN_WIDTH = 1280;
const DESIGN_HEIGHT = 720;
const MAX_SCALE = 2.5;

/**
 * How much to magnify the present view's own parts (the bar, the current step) with CSS `zoom`, so that a 1080p
 * projector shows what a 720p preview shows, only larger and readable from the back of the hall. The labs' own
 * `Present` panels are not magnified: they are drawn for the projector already.
 */
export function useProjectorScale(): number {
  const [scale, setScale] = useState(1);
  useEffect(() => {
    const measure = () => {
      const fit = Math.min(window.innerWidth / DESIGN_WIDTH, window.innerHeight / DESIGN_HEIGHT);
      setScale(Math.min(MAX_SCALE, Math.max(1, fit)));
    };
    measure();
    window.addEventListener('resize', measure);
    return () => window.removeEventListener('resize', measure);
  }, []);
  return scale;
}
