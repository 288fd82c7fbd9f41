'use client';

/**
 * "Sweep together" as every screen sees it: the live grid from `sweep:progress` (or a finished sweep's stored
 * result) drawn as a per-pixel drop map over the photo, with its legend and progress. `useLiveSweep` keeps the
 * latest progress and the outcome of the step's sweep.
 */
import { useMemo } from 'react';
import type { SweepResult } from '@convlab/labs';
import type { ServerToClientEvents } from '@convlab/protocol';
import { ColorLegend, Heatmap } from '../kit/heatmap';
import { useLiveRun, type LiveRun } from '../kit/use-live-run';
import type { LabRuntime } from '../lab-runtime';
import { pct, sweepPicture } from './shared';

type Progress = Parameters<ServerToClientEvents['sweep:progress']>[0];
type Done = Parameters<ServerToClientEvents['sweep:done']>[0];

export type LiveSweep = LiveRun<Progress, Done>;

/** The step's sweep as it fills in; a new sweep (another id) starts over. */
export function useLiveSweep(lab: Pick<LabRuntime, 'live' | 'step'>): LiveSweep & { reset: () => void } {
  return useLiveRun(lab, 'sweep:progress', 'sweep:done', (e) => e.sweepId);
}

/** The grid a sweep view draws: a live snapshot or a stored result. */
export interface SweepGrid {
  rows: number;
  cols: number;
  window: number;
  stride: number;
  probabilities: ReadonlyArray<number | null>;
  inputSize: [number, number];
  baseline: number | null;
  classIndex: number;
  done: number;
  total: number;
}

export function gridOfProgress(p: Progress): SweepGrid {
  const s = p.snapshot;
  return { rows: s.rows, cols: s.cols, window: s.window, stride: s.stride, probabilities: s.probabilities, inputSize: p.inputSize, baseline: p.baseline, classIndex: p.classIndex, done: s.done, total: s.total };
}

export function gridOfResult(r: SweepResult): SweepGrid {
  return { ...r, inputSize: r.inputSize, baseline: r.baseline, done: 1, total: 1 };
}

/** The sweep heatmap over the photo with its legend; `size="large"` for the projector. */
export function SweepView({ grid, imageUrl, className = '', size = 'normal', targetName }: {
  grid: SweepGrid;
  imageUrl: string;
  className?: string;
  size?: 'normal' | 'large';
  /** The class's name, for the legend and the label. */
  targetName: string;
}) {
  const picture = useMemo(() => (grid.baseline === null ? null : sweepPicture(grid, grid.inputSize, grid.baseline)), [grid]);
  const [h, w] = grid.inputSize;
  const known = grid.probabilities.filter((p) => p !== null).length;
  const large = size === 'large';
  return (
    <div className={`${large ? 'grid grid-cols-[auto_minmax(0,1fr)] items-center gap-10' : 'flex flex-col gap-3'} ${className}`}>
      <div data-testid="sweep-heatmap" data-progress={`${grid.done}/${grid.total}`} data-positions={`${known}/${grid.probabilities.length}`} className="w-full" style={large ? { width: 'min(56vh, 50vw)' } : undefined}>
        {picture ? (
          <Heatmap
            values={picture.values}
            rows={h}
            cols={w}
            min={0}
            max={picture.max}
            imageUrl={imageUrl}
            opacity={0.65}
            smooth
            className="aspect-square w-full"
            label={`Sweep heatmap for ${targetName}: ${known} of ${grid.probabilities.length} window positions known; brighter = larger drop in probability`}
          />
        ) : (
          <div className="relative aspect-square w-full overflow-hidden rounded-lg bg-slate-900">
            <img src={imageUrl} alt="" className="h-full w-full object-fill opacity-60" />
            <p className="absolute inset-0 flex items-center justify-center text-center text-white">Waiting for the first shard…</p>
          </div>
        )}
      </div>
      <div className={large ? 'space-y-6' : 'space-y-3'}>
      <ColorLegend
        min={0}
        max={picture?.max ?? 1}
        label={`Drop in “${targetName}” probability when a ${grid.window}×${grid.window} square covers the spot`}
        format={(v) => pct(v, 0)}
        lowText="no drop"
        highText="the class is lost"
        size={size}
      />
      {grid.baseline !== null ? (
        <p className={large ? 'text-2xl text-slate-800' : 'text-sm text-slate-600'}>
          Without a mask: {pct(grid.baseline)} {targetName}.
        </p>
      ) : null}
      </div>
    </div>
  );
}
