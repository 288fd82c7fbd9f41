'use client';

/**
 * The student's part in "sweep together": each shard the server deals to this page (`sweep:shard`) is computed
 * where the student chose (one `occlusion-masks` job, a rectangle per window position) and sent back
 * (`sweep:result`), one after another. A shard that fails is left to the server, which takes it over at its
 * deadline. The class heatmap fills in live below.
 */
import { useEffect, useRef, useState } from 'react';
import type { SweepResult } from '@convlab/labs';
import type { JobSpecInput, ServerToClientEvents } from '@convlab/protocol';
import { describeJobError } from '../kit/use-job';
import { useServerEvent } from '../kit/use-server-event';
import type { LabRuntime } from '../lab-runtime';
import { SweepView, gridOfProgress, gridOfResult, useLiveSweep } from './sweep-view';

type Shard = Parameters<ServerToClientEvents['sweep:shard']>[0];

export function SweepShards({ lab, imageUrl, targetName, stored }: {
  lab: LabRuntime;
  imageUrl: string;
  targetName: (classIndex: number) => string;
  /** The step's last finished sweep, if the instructor shared one. */
  stored?: SweepResult | null;
}) {
  const sweep = useLiveSweep(lab);
  const queue = useRef<Shard[]>([]);
  const busy = useRef(false);
  const latest = useRef(lab);
  latest.current = lab;
  // This page's share of the current sweep (counts start over with each sweep).
  const [mine, setMine] = useState<{ sweepId: string; computing: number; done: number; failed: number; late?: number; where: string }>({ sweepId: '', computing: 0, done: 0, failed: 0, where: '' });
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true; // again after React's development double mount
    return () => {
      alive.current = false;
    };
  }, []);

  const work = async () => {
    if (busy.current) return;
    busy.current = true;
    try {
      for (let shard = queue.current.shift(); shard && alive.current; shard = queue.current.shift()) {
        const { compute, prefer, live } = latest.current;
        const left = queue.current.length + 1;
        setMine((m) => ({ ...m, computing: left }));
        try {
          const res = await compute.run(shard.job as JobSpecInput, { prefer });
          if (!alive.current) break;
          const data = res.data as { probabilities: number[]; baseline: number };
          const where = res.computedBy.where === 'browser' ? `your browser (${res.computedBy.backend})` : 'the server for you';
          // The ack comes once the server has spot-checked the answer: the next shard need not wait for it. Not
          // accepted: the server had already finished that shard (it took it over when it was late), or computes it.
          void live
            .request('sweep:result', { sweepId: shard.sweepId, shard: shard.shard.index, probabilities: data.probabilities, baseline: data.baseline })
            .then(
              (ack) => setMine((m) => (ack.accepted ? { ...m, done: m.done + 1, where } : { ...m, late: (m.late ?? 0) + 1 })),
              (err: unknown) => {
                console.warn('[occlusion] a sweep answer was not acknowledged; the server takes the shard over:', describeJobError(err));
                setMine((m) => ({ ...m, failed: m.failed + 1 }));
              },
            );
        } catch (err) {
          console.warn('[occlusion] a sweep shard failed; the server takes it over:', describeJobError(err));
          setMine((m) => ({ ...m, failed: m.failed + 1 }));
        }
      }
    } finally {
      busy.current = false;
      if (alive.current) setMine((m) => ({ ...m, computing: 0 }));
    }
  };

  useServerEvent(lab, 'sweep:shard', (shard) => {
    if (shard.stepId !== lab.step.id) return;
    setMine((m) => (m.sweepId === shard.sweepId ? m : { sweepId: shard.sweepId, computing: 0, done: 0, failed: 0, where: '' }));
    queue.current.push(shard);
    void work();
  });

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
        A grey square slides over the photo; at each spot the model tells how sure it still is. Each student's device computes a few spots.{' '}
        {mine.computing ? <strong>This device is computing {mine.computing} shard{mine.computing === 1 ? '' : 's'}…</strong> : null}
        {mine.done ? ` ${mine.done} shard${mine.done === 1 ? '' : 's'} computed by ${mine.where}.` : ''}
        {mine.failed ? ` ${mine.failed} could not be computed here; the server takes them over.` : ''}
        {mine.late ? ` ${mine.late} came back after the server had already done ${mine.late === 1 ? 'it' : 'them'}.` : ''}
      </p>
      <div className="max-w-md">
        <SweepView grid={grid} imageUrl={imageUrl} targetName={targetName(grid.classIndex)} />
      </div>
    </section>
  );
}
