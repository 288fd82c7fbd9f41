'use client';

/**
 * The class map: for each pixel, the mean probability drop over the submitted masks that cover it (students'
 * masks of one target class), over the photo; pixels no mask covers stay clear.
 */
import { useMemo } from 'react';
import { buildClassMap, classMapMean, classMapRange, latestPerStudent, type OcclusionResult } from '@convlab/labs';
import type { Submission } from '@convlab/protocol';
import { ColorLegend, Heatmap } from '../kit/heatmap';
import { pct } from './shared';

/** The class the map is about: the step's class, else the one most submissions target. */
export function classMapTarget(stepClass: number | undefined, results: ReadonlyArray<{ result: OcclusionResult }>): number | null {
  if (stepClass !== undefined) return stepClass;
  const counts = new Map<number, number>();
  for (const { result } of results) counts.set(result.classIndex, (counts.get(result.classIndex) ?? 0) + 1);
  let best: number | null = null;
  for (const [c, n] of counts) if (best === null || n > counts.get(best)!) best = c;
  return best;
}

export function ClassMapView({ entries, classIndex, className: targetName, imageUrl, size = 'normal' }: {
  entries: ReadonlyArray<{ submission: Submission; result: OcclusionResult }>;
  classIndex: number | null;
  /** The target class's name. */
  className: string;
  imageUrl: string;
  size?: 'normal' | 'large';
}) {
  const view = useMemo(() => {
    if (classIndex === null) return null;
    // Each student counts once: their latest masks for this class (every submission stays stored).
    const matching = latestPerStudent(entries.filter((e) => e.result.classIndex === classIndex), (e) => e.submission);
    const first = matching[0];
    if (!first) return null;
    const [h, w] = first.result.inputSize;
    const map = buildClassMap(
      matching.map((e) => e.result),
      classIndex,
      w,
      h,
    );
    const mean = classMapMean(map);
    const range = classMapRange(mean);
    const students = new Set(matching.filter((e) => e.result.inputSize[0] === h && e.result.inputSize[1] === w).map((e) => e.submission.participantId ?? 'instructor')).size;
    return { map, mean, range, h, w, students };
  }, [entries, classIndex]);

  const large = size === 'large';
  const summary = view ? `${view.map.masks} mask${view.map.masks === 1 ? '' : 's'} from ${view.students} student${view.students === 1 ? '' : 's'}` : 'No masks yet';
  // The scale starts at no drop, so colours mean the same as the map grows; masks that raised the probability
  // (a negative drop) share the "no drop" colour.
  const min = 0;
  const max = Math.max(0.01, view?.range?.max ?? 0);
  const summaryLine = (
    <p className={large ? 'text-3xl font-semibold text-slate-900' : 'text-sm font-semibold text-slate-800'} aria-live="polite">
      {summary}
      {view && view.map.skipped ? <span className="font-normal text-slate-600"> · {view.map.skipped} for another class left out</span> : null}
    </p>
  );
  const picture = view ? (
        <Heatmap
          values={view.mean}
          rows={view.h}
          cols={view.w}
          min={min}
          max={max}
          imageUrl={imageUrl}
          opacity={0.7}
          className="aspect-square w-full"
          label={`Class map for ${targetName}: mean drop in probability where the students' masks cover the photo`}
        />
      ) : (
        <div className="relative aspect-square w-full overflow-hidden rounded-lg bg-slate-900">
          <img src={imageUrl} alt="" className="h-full w-full object-fill opacity-50" />
          <p className="absolute inset-0 flex items-center justify-center p-4 text-center text-white">The map fills in as students submit masks.</p>
        </div>
      );
  const legend = (
      <ColorLegend
        min={min}
        max={max}
        label={`Mean drop in probability of “${targetName}”`}
        format={(v) => pct(v, 0)}
        lowText="no drop"
        highText="the class is lost"
        size={size}
      />
  );
  const note = view && view.map.masks > 0 ? <p className={large ? 'text-2xl text-slate-800' : 'text-xs text-slate-500'}>Clear areas: no mask covered them yet.</p> : null;
  // On the projector the picture and its legend sit side by side, so both fit one screen.
  return large ? (
    <div className="grid grid-cols-[auto_minmax(0,1fr)] items-center gap-10" data-testid="class-map" data-masks={view?.map.masks ?? 0}>
      <div style={{ width: 'min(56vh, 50vw)' }}>{picture}</div>
      <div className="space-y-6">
        {summaryLine}
        {legend}
        {note}
      </div>
    </div>
  ) : (
    <div className="flex flex-col gap-3" data-testid="class-map" data-masks={view?.map.masks ?? 0}>
      {summaryLine}
      {picture}
      {legend}
      {note}
    </div>
  );
}
