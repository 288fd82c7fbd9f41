'use client';

/** Filters the students picked, each as its tile (per-filter scale) with the model, its index and the caption. */
import { useEffect, useState } from 'react';
import { FiltersResultSchema } from '@convlab/labs';
import type { FirstConv, Submission } from '@convlab/protocol';
import { filterTiles, upscaleNearest } from '@convlab/vis';
import { api } from '../../_lib/api-client';
import { RgbCanvas } from '../kit/number-map';
import { SubmissionCard, type SubmissionActions } from '../kit/submission-card';
import type { LabRuntime } from '../lab-runtime';
import { authorOf } from '../neuron/gallery';

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

export function FilterPicks({ lab, submissions, viewer, large = false, ...actions }: {
  lab: Pick<LabRuntime, 'participants' | 'me'>;
  submissions: readonly Submission[];
  viewer: 'instructor' | 'student';
  large?: boolean;
} & SubmissionActions) {
  return (
    <div className={`grid gap-3 ${large ? '[grid-template-columns:repeat(auto-fill,minmax(420px,1fr))]' : '[grid-template-columns:repeat(auto-fill,minmax(240px,1fr))]'}`} data-testid="filter-picks">
      {submissions.map((s) => {
        const r = FiltersResultSchema.safeParse(s.result).data;
        return (
          <SubmissionCard key={s.id} submission={s} author={authorOf(lab, s)} viewer={viewer} {...actions}>
            {r ? (
              <div className="flex items-center gap-3">
                <FilterTile model={r.model} filter={r.filter} large={large} />
                <div>
                  <p className={`${large ? 'text-2xl' : 'text-sm'} font-semibold text-slate-900`}>{r.caption ? `“${r.caption}”` : 'No caption'}</p>
                  <p className={`${large ? 'text-xl' : 'text-xs'} text-slate-600`}>
                    filter {r.filter} of {r.model}
                  </p>
                </div>
              </div>
            ) : (
              <p className="text-sm text-slate-600">This pick cannot be shown.</p>
            )}
          </SubmissionCard>
        );
      })}
    </div>
  );
}
