'use client';

/**
 * The max-patches lab: the instructor picks a layer and channels and starts the class search; every student's
 * laptop searches the shards dealt to it; everyone watches each channel's nine strongest crops fill in. The
 * finished search is kept (a shared submission of the step) and can be pinned to the projector.
 */
import { useMemo, useState } from 'react';
import { shardPatches, type MaxPatchParams, type MaxPatchResult, type PatchesComputation } from '@convlab/labs';
import { getModelEntry } from '@convlab/nets';
import type { ImageRef, Submission } from '@convlab/protocol';
import { Alert } from '../../_components/alert';
import { api } from '../../_lib/api-client';
import { JobProgress } from '../kit/job-progress';
import { useJob } from '../kit/use-job';
import { shardWorkSentence, useShardWorker } from '../kit/use-shard-worker';
import { useSubmissions } from '../kit/use-submissions';
import type { LabPanelProps } from '../lab-runtime';
import type { LabPanels, LabPresentProps, LabReviewProps } from '../registry';
import { PatchGrid, fieldSide, gridOfProgress, gridOfResult, useLiveSearch, type LiveSearch, type PatchGridData } from './patch-grid';

/** The class's searches of the step, oldest first. */
function searches(submissions: readonly Submission[]): MaxPatchResult[] {
  return submissions.filter((s) => s.participantId === null && 'channels' in (s.result as object)).map((s) => s.result as MaxPatchResult);
}

/** The live search while (and just after) it runs; otherwise the last one stored. */
function shownGrid(live: LiveSearch, stored: readonly MaxPatchResult[]): PatchGridData | null {
  if (live.progress) return gridOfProgress(live.progress);
  const last = stored.at(-1);
  return last ? gridOfResult(last) : null;
}

function statusLine(live: LiveSearch, grid: PatchGridData): string {
  if (live.done && !live.done.ok) return `The search stopped: ${live.done.message ?? 'unknown error'}`;
  if (live.progress && !live.done) return `${grid.done} of ${grid.total} shards · ${grid.images} images`;
  return `Search complete · ${grid.images} images`;
}

/** The grid with its layer, progress and what a crop is. */
function SearchView({ grid, live, size = 'normal' }: { grid: PatchGridData; live: LiveSearch; size?: 'normal' | 'large' }) {
  const side = fieldSide(grid);
  return (
    <div className="space-y-3">
      <p className={`${size === 'large' ? 'text-2xl' : 'text-sm'} text-slate-700`} role="status" aria-live="polite" data-testid="patch-status">
        <strong>{grid.layer}</strong> · {statusLine(live, grid)}
        {side ? ` · each crop is what one neuron sees: ${side}×${side} input pixels` : ''}
      </p>
      <PatchGrid data={grid} size={size} />
    </div>
  );
}

/** Images of a student's own search: few enough for a laptop in a minute. */
const OWN_SEARCH_IMAGES = 16;

/** The first `n` images of the step's set (the ImageNet samples by file name, as the server lists them). */
async function firstImages(params: MaxPatchParams, n: number): Promise<ImageRef[]> {
  if (params.images !== 'imagenet-samples') return params.images.slice(0, n);
  const { samples } = await api.listSamples();
  const imagenet = samples.filter((id) => id.startsWith('imagenet-samples/'));
  return (imagenet.length ? imagenet : samples).slice(0, n).map((id) => ({ kind: 'sample', id }));
}

function inputSizeOf(model: string): [number, number] {
  try {
    const [h, w] = getModelEntry(model).meta.inputSize;
    return [h, w];
  } catch {
    return [224, 224];
  }
}

/** The layer and channel pickers (the instructor's, and a student's own search when the step lets them pick). */
function PickFields({ params, layer, setLayer, channelsText, setChannelsText, disabled, channelsValid }: {
  params: MaxPatchParams;
  layer: string;
  setLayer: (l: string) => void;
  channelsText: string;
  setChannelsText: (t: string) => void;
  disabled: boolean;
  channelsValid: boolean;
}) {
  return (
    <>
      <label className="text-sm text-slate-700">
        Layer
        <select className="field-input mt-1 block" value={layer} onChange={(e) => setLayer(e.target.value)} disabled={disabled} data-testid="patches-layer">
          {params.layers.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </label>
      <label className="text-sm text-slate-700">
        Channels
        <input className="field-input mt-1 block w-40" value={channelsText} onChange={(e) => setChannelsText(e.target.value)} disabled={disabled} aria-invalid={!channelsValid} data-testid="patches-channels" />
      </label>
    </>
  );
}

/** A student's own search over the first images of the set, on their laptop (or the server, as they chose). */
function OwnSearch({ lab }: LabPanelProps) {
  const params = lab.params as MaxPatchParams;
  const mayPick = !lab.blocked && lab.controls.includes('layer') && lab.controls.includes('channels');
  const [layer, setLayer] = useState(params.layer);
  const [channelsText, setChannelsText] = useState(params.channels.join(', '));
  const channels = parseChannels(channelsText);
  const job = useJob(lab);
  const [grid, setGrid] = useState<PatchGridData | null>(null);
  if (!lab.controls.includes('layer') && !lab.controls.includes('channels')) return null;
  const search = async () => {
    if (!channels) return;
    const images = await firstImages(params, OWN_SEARCH_IMAGES);
    const res = await job.run({ kind: 'patches', model: params.model, params: { layer, channels, k: 9, images, crops: false } });
    if (!res) return;
    const entries = res.data.entries;
    setGrid({
      model: params.model,
      layer,
      inputSize: inputSizeOf(params.model),
      channels: channels.map((channel) => ({ channel, top: entries.filter((e) => e.channel === channel).map(({ index, image, value, y, x, box }) => ({ index, image, value, y, x, box })) })),
      done: 1,
      total: 1,
      images: images.length,
    });
  };
  return (
    <details className="rounded-lg border border-slate-200 p-3" data-testid="patches-own">
      <summary className="cursor-pointer text-sm font-medium text-slate-800">Try your own layer and channels on {OWN_SEARCH_IMAGES} photos</summary>
      <form
        className="mt-3 flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <PickFields params={params} layer={layer} setLayer={setLayer} channelsText={channelsText} setChannelsText={setChannelsText} disabled={!mayPick} channelsValid={!!channels} />
        <button type="submit" className="btn btn-secondary px-3 py-1.5 text-sm" disabled={!mayPick || !channels || job.state.running}>
          Search
        </button>
      </form>
      {job.state.running ? <JobProgress state={job.state} label="Searching" onCancel={job.cancel} /> : null}
      {job.state.error ? <Alert>{job.state.error}</Alert> : null}
      {grid ? (
        <div className="mt-3">
          <PatchGrid data={grid} />
        </div>
      ) : null}
    </details>
  );
}

function MaxPatchStudent({ lab }: LabPanelProps) {
  const live = useLiveSearch(lab);
  const { submissions } = useSubmissions(lab);
  const mine = useShardWorker(
    lab,
    'patches:shard',
    (shard) => shard.searchId,
    (shard, data) => lab.live.request('patches:result', { searchId: shard.searchId, shard: shard.shard.index, entries: shardPatches(data as PatchesComputation) }),
    'max-patches',
  );
  const said = shardWorkSentence(mine);
  const grid = shownGrid(live, searches(submissions));
  return (
    <section className="card space-y-3 p-4" aria-labelledby="patches-heading" data-testid="patches-student" data-shards-done={mine.done}>
      <h3 id="patches-heading" className="text-lg font-semibold text-slate-900">
        Which patches make a neuron fire most?
      </h3>
      <p className="text-sm text-slate-700">
        The class searches a set of photos together: your laptop runs the network on a few of them and reports, for each
        channel, where it fired most. The server checks every answer and keeps the nine strongest crops per channel.{' '}
        {said.computing ? <strong>{said.computing}</strong> : null}
        {said.rest}
      </p>
      {grid ? <SearchView grid={grid} live={live} /> : <p className="text-sm text-slate-600">Waiting for your instructor to start the search.</p>}
      <OwnSearch lab={lab} />
    </section>
  );
}

/** "0, 5, 11" → [0, 5, 11]; null when it is not a list of distinct channel numbers. */
export function parseChannels(text: string): number[] | null {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0 || parts.length > 16 || parts.some((p) => !/^\d+$/.test(p))) return null;
  const channels = parts.map(Number);
  return new Set(channels).size === channels.length ? channels : null;
}

function MaxPatchInstructor({ lab }: LabPanelProps) {
  const params = lab.params as MaxPatchParams;
  const live = useLiveSearch(lab);
  const { submissions, error } = useSubmissions(lab);
  const stored = useMemo(() => searches(submissions), [submissions]);
  const [layer, setLayer] = useState(params.layer);
  const [channelsText, setChannelsText] = useState(params.channels.join(', '));
  const [message, setMessage] = useState<{ tone: 'error' | 'info'; text: string } | null>(null);
  const [starting, setStarting] = useState(false);
  const ended = lab.session.status === 'ended';
  const channels = parseChannels(channelsText);

  const start = async () => {
    if (!channels) return;
    setStarting(true);
    setMessage(null);
    try {
      const ack = await lab.live.request('patches:start', { stepId: lab.step.id, layer, channels });
      const students = Object.keys(ack.dealt).length;
      setMessage({ tone: 'info', text: `${ack.images} images in ${ack.shards} shards, ${students ? `dealt to ${students} student${students === 1 ? '' : 's'}` : 'computed by the server (no student online)'}.` });
    } catch (err) {
      setMessage({ tone: 'error', text: `The search did not start: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      setStarting(false);
    }
  };
  const present = async () => {
    try {
      await lab.live.request('present:set', { target: { kind: 'view', stepId: lab.step.id, view: 'patch-grid' } });
      setMessage({ tone: 'info', text: 'On the projector now.' });
    } catch (err) {
      setMessage({ tone: 'error', text: `Could not present it: ${err instanceof Error ? err.message : String(err)}` });
    }
  };

  const grid = shownGrid(live, stored);
  const byWhom = live.progress ? `computed by students: ${live.progress.byStudents} shards, by the server: ${live.progress.byServer}` : null;
  return (
    <section className="card space-y-4 p-4" aria-labelledby="patches-instructor-heading" data-testid="patches-instructor">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id="patches-instructor-heading" className="text-lg font-semibold text-slate-900">
          Maximally activating patches, searched by the class
        </h3>
        <button type="button" className="btn btn-secondary px-3 py-1 text-sm" onClick={() => void present()} disabled={ended || !grid} data-testid="present-patches">
          Present
        </button>
      </div>
      {message ? <Alert tone={message.tone}>{message.text}</Alert> : null}
      {error ? <Alert title="The stored searches could not be loaded">{error}</Alert> : null}
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <PickFields params={params} layer={layer} setLayer={setLayer} channelsText={channelsText} setChannelsText={setChannelsText} disabled={ended} channelsValid={!!channels} />
        <button type="submit" className="btn btn-primary px-3 py-1.5 text-sm" disabled={ended || starting || live.running || !channels} data-testid="start-patches">
          {live.running ? 'Searching…' : 'Search together'}
        </button>
        {!channels ? <span className="text-sm text-red-700">Channels: up to 16 distinct numbers, e.g. “0, 5, 11”.</span> : null}
      </form>
      {grid ? <SearchView grid={grid} live={live} /> : <p className="text-sm text-slate-600">No search yet: pick a layer and channels and search together.</p>}
      {byWhom ? <p className="text-xs text-slate-500">{byWhom}</p> : null}
    </section>
  );
}

function MaxPatchPresent({ lab, target, submissions }: LabPresentProps) {
  const live = useLiveSearch(lab);
  const all = searches(submissions);
  const pinned = target.kind === 'submission' ? submissions.find((s) => s.id === target.submissionId) : null;
  const grid = pinned ? gridOfResult(pinned.result as MaxPatchResult) : shownGrid(live, all);
  return (
    <div className="space-y-6 bg-white p-6 text-slate-900" data-testid="patches-present">
      <h2 className="text-4xl font-bold">Maximally activating patches</h2>
      {grid ? <SearchView grid={grid} live={pinned ? { progress: null, done: null, running: false } : live} size="large" /> : <p className="text-2xl text-slate-700">No search yet: start one from the dashboard.</p>}
    </div>
  );
}

function MaxPatchReview({ submissions }: LabReviewProps) {
  const last = searches(submissions).at(-1);
  if (!last) return null;
  return <SearchView grid={gridOfResult(last)} live={{ progress: null, done: null, running: false }} />;
}

export const maxPatchPanels: LabPanels = { Student: MaxPatchStudent, Instructor: MaxPatchInstructor, Present: MaxPatchPresent, Review: MaxPatchReview };
