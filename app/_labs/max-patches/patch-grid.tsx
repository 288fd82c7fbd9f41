'use client';

/**
 * The class's maximally activating patches as every screen sees them: per channel a 3×3 grid of receptive-field
 * crops, filled in live from `patches:progress` (or a finished search's stored result). Each crop is cut in the
 * browser from the photo exactly as the model saw it (the model's centre crop resized to its input size, its
 * padding colour outside the image), so no pixels travel with the results. `useLiveSearch` keeps the step's latest progress and
 * outcome.
 */
import { useEffect, useRef } from 'react';
import { MAX_PATCH_TOP, type MaxPatchEntry, type MaxPatchResult } from '@convlab/labs';
import { centerCropBox, getModelEntry, type Preprocessing } from '@convlab/nets';
import type { ImageRef, ServerToClientEvents } from '@convlab/protocol';
import { imageRefUrl } from '../kit/images';
import { useLiveRun, type LiveRun } from '../kit/use-live-run';
import type { LabRuntime } from '../lab-runtime';

type Progress = Parameters<ServerToClientEvents['patches:progress']>[0];
type Done = Parameters<ServerToClientEvents['patches:done']>[0];

/** What a grid shows: each channel's winners so far, and how far the search is. */
export interface PatchGridData {
  model: string;
  layer: string;
  inputSize: [number, number];
  channels: Array<{ channel: number; top: MaxPatchEntry[] }>;
  done: number;
  total: number;
  images: number;
}

export function gridOfProgress(p: Progress): PatchGridData {
  return { model: p.model, layer: p.layer, inputSize: p.inputSize, channels: p.channels, done: p.done, total: p.total, images: p.images };
}

export function gridOfResult(r: MaxPatchResult): PatchGridData {
  return { model: r.model, layer: r.layer, inputSize: r.inputSize, channels: r.channels, done: r.shards.length, total: r.shards.length, images: r.images };
}

export type LiveSearch = LiveRun<Progress, Done>;

/** The step's search as it fills in; a new search (another id) starts over. */
export function useLiveSearch(lab: Pick<LabRuntime, 'live' | 'step'>): LiveSearch {
  return useLiveRun(lab, 'patches:progress', 'patches:done', (e) => e.searchId);
}

/**
 * How the model sees a photo: the share of the shorter side its centre crop keeps, and the colour of an input of
 * zeros (its padding: the mean colour, in the model's normalization). ONNX models use torchvision's.
 */
function modelView(model: string): { cropFraction: number; padding: string } {
  let p: Preprocessing;
  try {
    p = getModelEntry(model).meta.preprocessing;
  } catch {
    p = { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], channelOrder: 'RGB', cropFraction: 0.875 };
  }
  const [r, g, b] = p.mean.map((m) => Math.round(Math.min(255, Math.max(0, m / p.scale))));
  return { cropFraction: p.cropFraction, padding: `rgb(${r}, ${g}, ${b})` };
}

const photos = new Map<string, Promise<HTMLImageElement>>();
/** Loads a photo once per page (every crop of a grid shares it). */
function loadPhoto(ref: ImageRef): Promise<HTMLImageElement> {
  const url = imageRefUrl(ref);
  let p = photos.get(url);
  if (!p) {
    p = new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => resolve(img);
      img.onerror = () => reject(new Error(`could not load ${url}`));
      img.src = url;
    });
    photos.set(url, p);
  }
  return p;
}

/** One receptive-field crop, drawn at `px` pixels square. */
export function PatchCrop({ entry, model, inputSize, px }: { entry: MaxPatchEntry; model: string; inputSize: [number, number]; px: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [top, left, bottom, right] = entry.box;
  const [ih, iw] = inputSize;
  useEffect(() => {
    let live = true;
    void loadPhoto(entry.image).then((img) => {
      const c = canvas.current;
      const ctx = c?.getContext('2d');
      if (!live || !c || !ctx) return;
      const view = modelView(model);
      const [sy, sx, size] = centerCropBox(img.naturalHeight, img.naturalWidth, view.cropFraction);
      // Outside the photo the network sees zeros: its padding colour.
      ctx.fillStyle = view.padding;
      ctx.fillRect(0, 0, c.width, c.height);
      // The model's input (centre crop → input size), shifted so the box's corner is the canvas's: the canvas clips.
      ctx.drawImage(img, sx, sy, size, size, -left, -top, iw, ih);
    }, () => {});
    return () => {
      live = false;
    };
  }, [entry.image, model, top, left, ih, iw]);
  return (
    <canvas
      ref={canvas}
      width={right - left + 1}
      height={bottom - top + 1}
      style={{ width: px, height: px }}
      className="rounded-sm border border-slate-300"
      title={`${entry.image.kind === 'sample' ? entry.image.id.split('/').pop() : 'uploaded image'} · ${entry.value.toFixed(3)} at (${entry.y}, ${entry.x})`}
    />
  );
}

/** Each channel's 3×3 grid of crops, strongest first; empty places wait for their shards. */
export function PatchGrid({ data, size = 'normal' }: { data: PatchGridData; size?: 'normal' | 'large' }) {
  const px = size === 'large' ? 96 : 56;
  return (
    <div className="flex flex-wrap gap-4" data-testid="patch-grid" data-progress={`${data.done}/${data.total}`} data-filled={data.channels.map((c) => c.top.length).join(',')}>
      {data.channels.map(({ channel, top }) => (
        <figure key={channel} className="space-y-1" data-testid={`patch-channel-${channel}`}>
          <div className="grid grid-cols-3 gap-1">
            {Array.from({ length: MAX_PATCH_TOP }, (_, i) =>
              top[i] ? (
                <PatchCrop key={`${top[i].index}-${top[i].y}-${top[i].x}`} entry={top[i]} model={data.model} inputSize={data.inputSize} px={px} />
              ) : (
                <div key={`empty-${i}`} style={{ width: px, height: px }} className="rounded-sm border border-dashed border-slate-300 bg-slate-50" />
              ),
            )}
          </div>
          <figcaption className={`${size === 'large' ? 'text-xl' : 'text-sm'} text-slate-700`}>
            Channel <strong>{channel}</strong>
            {top[0] ? ` · best ${top[0].value.toFixed(2)}` : ''}
          </figcaption>
        </figure>
      ))}
    </div>
  );
}

/** The receptive field's side in input pixels, for the caption ("each crop is what one neuron sees: 27 px"). */
export function fieldSide(data: PatchGridData): number | null {
  const first = data.channels.find((c) => c.top.length)?.top[0];
  return first ? first.box[2] - first.box[0] + 1 : null;
}
