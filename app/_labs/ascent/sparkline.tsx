'use client';

import { formatScore, sparklinePoints } from './ascent-logic';

/** The class score along the run, as a small line (described in words for screen readers). */
export function Sparkline({ scores, width = 240, height = 48, className = '' }: { scores: readonly number[]; width?: number; height?: number; className?: string }) {
  const points = sparklinePoints(scores, width, height);
  if (!points) return null;
  const label = `Score along the run: ${formatScore(scores[0]!)} at the start, ${formatScore(scores[scores.length - 1]!)} now`;
  return (
    <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={label} className={`overflow-visible ${className}`} data-testid="ascent-sparkline">
      <title>{label}</title>
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth={2} strokeLinejoin="round" strokeLinecap="round" />
    </svg>
  );
}
