'use client';

/**
 * Small maps of numbers as the convolution, pooling and filters labs show them: a canvas of a map (grey, or RGB,
 * stretched to its own range; crisp pixels; click a pixel; a box over a window), a table of a small grid's numbers
 * (click a cell; cells highlighted), and the step's task from the server (`lab:task`).
 */
import { useEffect, useRef, useState } from 'react';
import type { LabTask, NumberMap } from '@convlab/protocol';
import { featureMapToRgb } from '@convlab/vis/colormap';
import type { FeatureMap, RgbImage } from '@convlab/vis';
import type { LabRuntime } from '../lab-runtime';

/** A map from the wire as a FeatureMap. */
export function fromWire(m: NumberMap): FeatureMap {
  return { height: m.height, width: m.width, channels: m.channels, data: Float32Array.from(m.data) };
}

/** One channel of a map. */
export function channelOf(map: FeatureMap, channel: number): FeatureMap {
  if (map.channels === 1) return map;
  const data = new Float32Array(map.height * map.width);
  for (let i = 0; i < data.length; i++) data[i] = map.data[i * map.channels + channel]!;
  return { height: map.height, width: map.width, channels: 1, data };
}

/** A box over the map, in map pixels (the window under a kernel or a pooling). */
export interface MapBox {
  y: number;
  x: number;
  height: number;
  width: number;
}

/** Draws an RGB image on a canvas at its own size (the page scales it up, pixels kept crisp). */
export function RgbCanvas({ image, label, className = '', onPick, boxes = [], testId }: {
  image: RgbImage;
  label: string;
  className?: string;
  /** Called with the clicked pixel. */
  onPick?: (y: number, x: number) => void;
  boxes?: readonly (MapBox & { color: string })[];
  testId?: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    c.width = image.width;
    c.height = image.height;
    const out = ctx.createImageData(image.width, image.height);
    for (let i = 0; i < image.width * image.height; i++) {
      out.data.set([image.data[i * 3]!, image.data[i * 3 + 1]!, image.data[i * 3 + 2]!, 255], i * 4);
    }
    ctx.putImageData(out, 0, 0);
  }, [image]);
  const pick = (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (!onPick) return;
    const r = e.currentTarget.getBoundingClientRect();
    const x = Math.min(image.width - 1, Math.max(0, Math.floor(((e.clientX - r.left) / r.width) * image.width)));
    const y = Math.min(image.height - 1, Math.max(0, Math.floor(((e.clientY - r.top) / r.height) * image.height)));
    onPick(y, x);
  };
  return (
    <div className={`relative ${className}`}>
      <canvas
        ref={canvas}
        role={onPick ? 'button' : 'img'}
        aria-label={label}
        data-testid={testId}
        className={`block h-auto w-full [image-rendering:pixelated] ${onPick ? 'cursor-crosshair' : ''}`}
        onClick={pick}
      />
      {boxes.map((b, i) => (
        <div
          key={i}
          aria-hidden
          className="pointer-events-none absolute border-2"
          style={{
            borderColor: b.color,
            top: `${(b.y / image.height) * 100}%`,
            left: `${(b.x / image.width) * 100}%`,
            height: `${(b.height / image.height) * 100}%`,
            width: `${(b.width / image.width) * 100}%`,
          }}
        />
      ))}
    </div>
  );
}

/** A grey (1 channel) or RGB (3 channels) map stretched to its own range, or to [lo, hi]. */
export function MapCanvas({ map, lo, hi, ...rest }: { map: FeatureMap; lo?: number; hi?: number } & Omit<Parameters<typeof RgbCanvas>[0], 'image'>) {
  return <RgbCanvas image={featureMapToRgb(map, lo, hi)} {...rest} />;
}

/** A number as the grids show it: at most 2 decimals. */
export function showNumber(v: number): string {
  return String(Math.round(v * 100) / 100 || 0).replace('-', '−');
}

/** A small grid of numbers as a table; cells may be highlighted and clicked. */
export function NumberTable({ map, label, highlight, onPick, testId }: {
  map: FeatureMap;
  label: string;
  highlight?: (y: number, x: number) => string | null;
  onPick?: (y: number, x: number) => void;
  testId?: string;
}) {
  return (
    <table className="border-collapse font-mono text-sm" aria-label={label} data-testid={testId}>
      <tbody>
        {Array.from({ length: map.height }, (_, y) => (
          <tr key={y}>
            {Array.from({ length: map.width }, (_, x) => {
              const v = map.data[(y * map.width + x) * map.channels]!;
              const cls = highlight?.(y, x) ?? '';
              return (
                <td key={x} className={`h-8 min-w-8 border border-slate-200 px-1 text-center ${cls}`}>
                  {onPick ? (
                    <button type="button" className="h-full w-full" onClick={() => onPick(y, x)} aria-label={`row ${y + 1}, column ${x + 1}: ${showNumber(v)}`}>
                      {showNumber(v)}
                    </button>
                  ) : (
                    showNumber(v)
                  )}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The step's task from the server (`lab:task`), asked again after a reconnect. */
export function useLabTask(lab: Pick<LabRuntime, 'live' | 'step'>): { task: LabTask | null; error: string | null } {
  const [task, setTask] = useState<LabTask | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { request, status } = lab.live;
  const stepId = lab.step.id;
  useEffect(() => {
    if (status !== 'live') return;
    let live = true;
    request('lab:task', { stepId }).then(
      ({ task: given }) => {
        if (!live) return;
        setTask(given);
        setError(null);
      },
      (err: Error) => {
        if (live) setError(err.message);
      },
    );
    return () => {
      live = false;
    };
  }, [request, status, stepId]);
  return { task, error };
}
