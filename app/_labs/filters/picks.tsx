'use client';

/** Filters the students picked, each as its tile (per-filter scale) with the model, its index and the caption. */
import { useEffect, useState } from 'react';
import { FiltersResultSchema } from '@convlab/labs';
import type { FirstConv, Submission } from '@convlab/protocol';
import { filterTiles, upscaleNearest } from '@convlab/vis';
import { api } from '../../_lib/api-client';
import { RgbCanvas } from '../kit/number-map';
import { SubmissionGrid } from '../kit/submission-card';

/** First convolutions fetched once per page and model. */
const fetched = new Map<string, Promise<FirstConv>>();

/** A model's first convolution, or an error message. */
export function useFirstConv(model: string): { conv: FirstConv | null; error: string | null } {
  const [state, setState] = useState<{ model: string; conv: FirstConv | null; error: string | null }>({ model, conv: null, error: null });
  useEffect(() => {
    let live = true;
    let p = fetched.get(model);
    if (!p) {
      p = api.firstConv(model);
      p.catch(() => fetched.delete(model));
      fetched.set(model, p);
    }
    p.then(
      (conv) => {
        if (live) setState({ model, conv, error: null });
      },
      (err: Error) => {
        if (live) setState({ model, conv: null, error: err.message });
      },
    );
    return () => {
      live = false;
    };
  }, [model]);
  return state.model === model ? state : { conv: null, error: null };
}

function FilterTile({ model, filter, large }: { model: string; filter: number; large: boolean }) {
  const { conv } = useFirstConv(model);
  if (!conv || filter >= conv.shape[3]) return null;
  const tile = filterTiles(conv.weights, conv.shape, { channelOrder: conv.channelOrder })[filter]!;
  return <RgbCanvas image={upscaleNearest(tile.tile, 4)} label={`filter ${filter} of ${model}`} className={large ? 'w-48' : 'w-16'} />;
}

/** One pick: its tile, the caption, the model and filter. */
function FilterPick({ submission, large }: { submission: Submission; large: boolean }) {
  const r = FiltersResultSchema.safeParse(submission.result).data;
  if (!r) return <p className="text-sm text-slate-600">This pick cannot be shown.</p>;
  return (
    <div className="flex items-center gap-3">
      <FilterTile model={r.model} filter={r.filter} large={large} />
      <div>
        <p className={`${large ? 'text-2xl' : 'text-sm'} font-semibold text-slate-900`}>{r.caption ? `“${r.caption}”` : 'No caption'}</p>
        <p className={`${large ? 'text-xl' : 'text-xs'} text-slate-600`}>
          filter {r.filter} of {r.model}
        </p>
      </div>
    </div>
  );
}

export function FilterPicks({ large = false, ...props }: Omit<Parameters<typeof SubmissionGrid>[0], 'render'> & { large?: boolean }) {
  return <SubmissionGrid {...props} minWidth={large ? 420 : 240} testId="filter-picks" render={(s) => <FilterPick submission={s} large={large} />} />;
}
