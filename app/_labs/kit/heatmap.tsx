'use client';

/**
 * A heatmap drawn on a canvas (values row-major, NaN or null = no data yet, drawn transparent) over an optional
 * photo, and its colour scale with a legend. Colours come from @convlab/vis, as in the CLI's PNGs.
 */
import { useEffect, useRef } from 'react';
import { colormapColor, type ColormapName } from '@convlab/vis/colormap';

export interface HeatmapProps {
  values: ArrayLike<number | null>;
  rows: number;
  cols: number;
  /** Values mapped to the two ends of the colour scale. */
  min: number;
  max: number;
  colormap?: ColormapName;
  /** A photo under the heatmap (same aspect), and how opaque the heatmap is over it. */
  imageUrl?: string;
  opacity?: number;
  /** Smooth (bilinear) or blocky (each value a visible cell, as a sliding-window grid is). */
  smooth?: boolean;
  label: string;
  className?: string;
  testId?: string;
}

export function Heatmap({ values, rows, cols, min, max, colormap = 'inferno', imageUrl, opacity = 0.6, smooth = false, label, className = '', testId }: HeatmapProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    if (!c || rows < 1 || cols < 1) return;
    c.width = cols;
    c.height = rows;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(cols, rows);
    const span = max - min || 1;
    for (let i = 0; i < rows * cols; i++) {
      const v = values[i];
      if (v === null || v === undefined || Number.isNaN(v)) continue;
      const [r, g, b] = colormapColor(colormap, (v - min) / span);
      img.data.set([r, g, b, 255], i * 4);
    }
    ctx.putImageData(img, 0, 0);
  }, [values, rows, cols, min, max, colormap]);
  return (
    <div className={`relative overflow-hidden rounded-lg bg-slate-900 ${className}`} role="img" aria-label={label} data-testid={testId}>
      {imageUrl ? <img src={imageUrl} alt="" className="block h-full w-full object-fill" /> : null}
      <canvas
        ref={canvas}
        className={`${imageUrl ? 'absolute inset-0' : 'block'} h-full w-full`}
        style={{ imageRendering: smooth ? 'auto' : 'pixelated', opacity: imageUrl ? opacity : 1 }}
      />
    </div>
  );
}

/** The colour scale of a heatmap with its end values and what they mean. */
export function ColorLegend({ min, max, colormap = 'inferno', label, format = (v) => v.toFixed(2), lowText, highText, size = 'normal' }: {
  min: number;
  max: number;
  colormap?: ColormapName;
  label: string;
  format?: (v: number) => string;
  lowText?: string;
  highText?: string;
  /** `large`: thick bar and big text for the projector. */
  size?: 'normal' | 'large';
}) {
  const large = size === 'large';
  const stops = Array.from({ length: 11 }, (_, i) => {
    const [r, g, b] = colormapColor(colormap, i / 10);
    return `rgb(${r | 0} ${g | 0} ${b | 0}) ${i * 10}%`;
  });
  return (
    <figure className={large ? 'w-full' : 'w-full max-w-md'} data-testid="color-legend">
      <figcaption className={large ? 'mb-2 text-2xl font-bold text-slate-900' : 'mb-1 text-sm font-semibold text-slate-700'}>{label}</figcaption>
      <div className={large ? 'h-8 rounded-md border-2 border-slate-900' : 'h-3 rounded'} style={{ background: `linear-gradient(to right, ${stops.join(', ')})` }} aria-hidden="true" />
      <div className={large ? 'mt-2 flex justify-between gap-4 text-xl font-semibold text-slate-900' : 'mt-1 flex justify-between gap-2 text-xs text-slate-600'}>
        <span>
          {format(min)}
          {lowText ? ` · ${lowText}` : ''}
        </span>
        <span>
          {highText ? `${highText} · ` : ''}
          {format(max)}
        </span>
      </div>
    </figure>
  );
}
