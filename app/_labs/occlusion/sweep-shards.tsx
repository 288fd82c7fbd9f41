'use client';

/**
 * The student's part in "sweep together": each shard the server deals to this page (`sweep:shard`) is computed
 * where the student chose (one `occlusion-masks` job, a rectangle per window position) and sent back
 * (`sweep:result`), one after another. A shard that fails is left to the server, which takes it over at its
 * deadline. The class heatmap fills in live below.
 */
import type { SweepResult } from '@convlab/labs';
import { shardWorkSentence, useShardWorker } from '../kit/use-shard-worker';
import type { LabRuntime } from '../lab-runtime';
import { SweepView, gridOfProgress, gridOfResult, useLiveSweep } from './sweep-view';

export function SweepShards({ lab, imageUrl, targetName, stored }: {
  lab: LabRuntime;
  imageUrl: string;
  targetName: (classIndex: number) => string;
  /** The step's last finished sweep, if the instructor shared one. */
  stored?: SweepResult | null;
}) {
  const sweep = useLiveSweep(lab);
  // This page's share of the current sweep (counts start over with each sweep).
  const mine = useShardWorker(
    lab,
    'sweep:shard',
    (shard) => shard.sweepId,
    (shard, data) => {
      const { probabilities, baseline } = data as { probabilities: number[]; baseline: number };
      return lab.live.request('sweep:result', { sweepId: shard.sweepId, shard: shard.shard.index, probabilities, baseline });
    },
    'occlusion',
  );
  const said = shardWorkSentence(mine);

  const grid = sweep.progress ? gridOfProgress(sweep.progress) : stored ? gridOfResult(stored) : null;
  if (!grid) return null;
  const ok = sweep.done?.ok;
  return (
    <section className="card space-y-3 p-4" aria-labelledby="sweep-heading" data-testid="sweep-student" data-shards-done={mine.done}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 id="sweep-heading" className="text-lg font-semibold text-slate-900">
          Sweep together: the class heatmap
        </h3>
        <p className="text-sm text-slate-600" role="status" aria-live="polite">
          {sweep.progress ? `${grid.done} of ${grid.total} shards` : 'The class\'s last sweep'}
          {sweep.done ? (ok ? ' · Sweep complete' : ` · The sweep stopped: ${sweep.done.message ?? 'unknown error'}`) : ''}
        </p>
      </div>
      <p className="text-sm text-slate-700">
        A grey square slides over the photo; at each spot the model tells how sure it still is. Each laptop computes a few spots.{' '}
        {said.computing ? <strong>{said.computing}</strong> : null}
        {said.rest}
      </p>
      <div className="max-w-md">
        <SweepView grid={grid} imageUrl={imageUrl} targetName={targetName(grid.classIndex)} />
      </div>
    </section>
  );
}
