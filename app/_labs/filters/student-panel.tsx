'use client';

/**
 * The first-layer filters lab for a student: two installed models side by side, each first convolution as RGB tiles
 * with its layer, shape and stride; each tile on its own scale or all on one; sorted by index, norm or colour. Click a
 * filter: its response map on the photo. A student may submit the filter they find most telling with a caption.
 */
import { useEffect, useMemo, useState } from 'react';
import { CaptionSchema, sortFilters, type FiltersParams } from '@convlab/labs';
import type { FirstConv, InstalledModel } from '@convlab/protocol';
import { colorize } from '@convlab/vis/colormap';
import { convolveMap, filterTiles, type FeatureMap } from '@convlab/vis';
import { api } from '../../_lib/api-client';
import { imageRefUrl } from '../kit/images';
import { RgbCanvas } from '../kit/number-map';
import { useLabSubmit, useSubmissions } from '../kit/use-submissions';
import type { LabPanelProps } from '../lab-runtime';
import { FilterPicks, useFirstConv } from './picks';

/** Side of the photo the response maps are computed on. */
const PHOTO_SIDE = 112;

export function FiltersStudent({ lab }: LabPanelProps) {
  const step = lab.params as FiltersParams;
  const can = (control: string) => lab.controls.includes(control) && lab.blocked === null;
  const [installed, setInstalled] = useState<InstalledModel[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [normalize, setNormalize] = useState(step.normalize);
  const [sort, setSort] = useState(step.sort);
  const [chosen, setChosen] = useState<string[]>([]);
  const [picked, setPicked] = useState<{ model: string; filter: number } | null>(null);
  const photo = usePhoto(imageRefUrl(step.image), PHOTO_SIDE);

  useEffect(() => {
    api.listModels().then(
      ({ models }) => {
        // In the step's order: its first two side by side.
        const offered = step.models.flatMap((id) => models.filter((m) => m.id === id));
        setInstalled(offered);
        setChosen(offered.slice(0, 2).map((m) => m.id));
      },
      (err: Error) => setError(err.message),
    );
    // The step's parameters are fixed for the panel's life (it remounts on a new step).
  }, []);

  if (error) return <p role="alert" className="text-red-700">The models could not be listed: {error}</p>;
  if (!installed) return <p className="text-slate-600">Looking for the installed models…</p>;
  if (installed.length === 0) return <p className="text-slate-700">None of this step’s models ({step.models.join(', ')}) is installed on this server.</p>;

  return (
    <div className="space-y-4">
      <div className="card flex flex-wrap items-end gap-4 p-4">
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input type="checkbox" checked={normalize === 'global'} disabled={!can('normalize')} onChange={(e) => setNormalize(e.target.checked ? 'global' : 'per-filter')} />
          One scale for all tiles (compare strengths)
        </label>
        <label className="text-sm text-slate-700">
          Sort by
          <select className="field-input w-auto" value={sort} disabled={!can('sort')} onChange={(e) => setSort(e.target.value as typeof sort)}>
            <option value="index">Index</option>
            <option value="norm">Norm (strongest first)</option>
            <option value="colour">Colour</option>
          </select>
        </label>
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        {[0, 1].slice(0, Math.min(2, installed.length)).map((side) => (
          <ModelFilters
            key={side}
            models={installed}
            model={chosen[side] ?? installed[0]!.id}
            onModel={(id) => setChosen((c) => c.map((m, i) => (i === side ? id : m)))}
            normalize={normalize}
            sort={sort}
            photo={photo}
            picked={picked}
            onPick={setPicked}
          />
        ))}
      </div>
      {picked ? <SubmitPick lab={lab} picked={picked} /> : null}
    </div>
  );
}

/** One model's first-layer filters and, for a clicked filter, its response map on the photo. */
function ModelFilters({ models, model, onModel, normalize, sort, photo, picked, onPick }: {
  models: InstalledModel[];
  model: string;
  onModel: (id: string) => void;
  normalize: FiltersParams['normalize'];
  sort: FiltersParams['sort'];
  photo: FeatureMap | null;
  picked: { model: string; filter: number } | null;
  onPick: (p: { model: string; filter: number }) => void;
}) {
  const { conv, error } = useFirstConv(model);
  const tiles = useMemo(() => (conv ? sortFilters(filterTiles(conv.weights, conv.shape, { normalize, channelOrder: conv.channelOrder }), sort) : []), [conv, normalize, sort]);
  const mine = picked?.model === model ? picked.filter : null;
  const response = useMemo(() => (conv && photo && mine !== null ? responseMap(conv, mine, photo) : null), [conv, photo, mine]);
  const name = models.find((m) => m.id === model)?.displayName ?? model;

  return (
    <section className="card space-y-3 p-4" aria-label={`First-layer filters of ${name}`} data-testid="model-filters">
      <label className="text-sm text-slate-700">
        Model
        <select className="field-input" value={model} onChange={(e) => onModel(e.target.value)}>
          {models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.displayName}
            </option>
          ))}
        </select>
      </label>
      {error ? <p role="alert" className="text-sm text-red-700">{error}</p> : null}
      {conv ? (
        <>
          <p className="text-sm text-slate-700" data-testid="filter-shape">
            Layer <code>{conv.layer}</code>: {conv.shape[3]} filters of {conv.shape[2]}×{conv.shape[0]}×{conv.shape[1]}, stride {conv.stride[0]}
          </p>
          <div className="grid gap-1 [grid-template-columns:repeat(auto-fill,minmax(2.5rem,1fr))]" data-testid="filter-tiles">
            {tiles.map((t) => (
              <button
                key={t.index}
                type="button"
                className={`rounded border-2 ${mine === t.index ? 'border-amber-500' : 'border-transparent'}`}
                aria-label={`filter ${t.index}, norm ${t.norm.toFixed(2)}`}
                aria-pressed={mine === t.index}
                onClick={() => onPick({ model, filter: t.index })}
              >
                <RgbCanvas image={t.tile} label={`filter ${t.index}`} />
              </button>
            ))}
          </div>
          {response ? (
            <figure className="space-y-1" data-testid="filter-response">
              <figcaption className="text-sm font-semibold text-slate-700">
                Filter {mine}: its response on the photo (blue negative, red positive; computed at stride 1)
              </figcaption>
              <RgbCanvas image={response} label={`Response of filter ${mine}`} className="max-w-xs" />
            </figure>
          ) : (
            <p className="text-sm text-slate-600">Click a filter to see where the photo excites it.</p>
          )}
        </>
      ) : (
        <p className="text-sm text-slate-600">Loading the filters of {name}…</p>
      )}
    </section>
  );
}

/** The response of one filter on the photo (RGB in [0, 1], zero padding, stride 1): Σ over channels of each channel's map. */
function responseMap(conv: FirstConv, filter: number, photo: FeatureMap) {
  const [kh, kw, cin, n] = conv.shape;
  const total = new Float32Array(photo.height * photo.width);
  for (let c = 0; c < Math.min(cin, 3); c++) {
    // BGR models read the photo's channels the other way round.
    const src = conv.channelOrder === 'BGR' && cin === 3 ? 2 - c : c;
    const channel = { height: photo.height, width: photo.width, channels: 1, data: photo.data.filter((_, i) => i % 3 === src).map((v) => v / 255) };
    const kernel = Array.from({ length: kh }, (_, y) => Array.from({ length: kw }, (_, x) => conv.weights[((y * kw + x) * cin + c) * n + filter]!));
    const out = convolveMap(channel, { kernel, padding: 'zero' });
    for (let i = 0; i < total.length; i++) total[i]! += out.data[i]!;
  }
  return colorize(total, photo.width, photo.height, { colormap: 'coolwarm' });
}

/** The photo drawn at side×side (cover) and read back as 8-bit RGB. */
function usePhoto(url: string, side: number): FeatureMap | null {
  const [photo, setPhoto] = useState<FeatureMap | null>(null);
  useEffect(() => {
    const img = new Image();
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = side;
      const ctx = canvas.getContext('2d');
      if (!ctx) return;
      const s = Math.min(img.width, img.height);
      ctx.drawImage(img, (img.width - s) / 2, (img.height - s) / 2, s, s, 0, 0, side, side);
      const rgba = ctx.getImageData(0, 0, side, side).data;
      const data = new Float32Array(side * side * 3);
      for (let i = 0; i < side * side; i++) data.set([rgba[i * 4]!, rgba[i * 4 + 1]!, rgba[i * 4 + 2]!], i * 3);
      setPhoto({ height: side, width: side, channels: 3, data });
    };
    img.src = url;
  }, [url, side]);
  return photo;
}

/** Submits the picked filter with a caption. */
function SubmitPick({ lab, picked }: LabPanelProps & { picked: { model: string; filter: number } }) {
  const { submissions, upsert } = useSubmissions(lab);
  const [caption, setCaption] = useState('');
  const { submit, busy, error, last: done } = useLabSubmit(lab, upsert);
  const captionOk = CaptionSchema.safeParse(caption).success;
  return (
    <section className="card space-y-2 p-4" aria-label="Submit a filter">
      <h2 className="font-semibold text-slate-900">
        Filter {picked.filter} of {picked.model}: what does it detect?
      </h2>
      <div className="flex flex-wrap gap-2">
        <input className="field-input mt-0 min-w-64 flex-1" aria-label="Caption" maxLength={280} value={caption} placeholder="e.g. a green–magenta edge at 45°" onChange={(e) => setCaption(e.target.value)} />
        <button type="button" className="btn btn-primary" disabled={busy || !captionOk || lab.blocked !== null} onClick={() => void submit(lab.step.params, { ...picked, caption })}>
          {busy ? 'Submitting…' : 'Submit this filter'}
        </button>
      </div>
      {lab.blocked ? <p className="text-sm text-slate-600">{lab.blocked.message}</p> : null}
      {error ? <p role="alert" className="text-sm text-red-700">{error}</p> : null}
      {done ? <p role="status" className="text-sm text-emerald-800">Submitted.</p> : null}
      {submissions.length ? <FilterPicks lab={lab} submissions={submissions} viewer="student" /> : null}
    </section>
  );
}
