'use client';

/**
 * One channel's activation map drawn large over the photo, to pick a position on: a click picks that cell, the arrow
 * keys move the marker, Enter picks where the marker is. The marker shows the position picked (or, before any, the
 * channel's strongest).
 */
import { useMemo, type KeyboardEvent, type MouseEvent } from 'react';
import { Heatmap } from '../kit/heatmap';
import { movedPosition } from './neuron-logic';
import { valueRange } from '@convlab/vis/colormap';

export interface Position {
  y: number;
  x: number;
}

export function ActivationMap({ values, height, width, marker, imageUrl, label, disabled, onMove, onPick }: {
  values: Float32Array;
  height: number;
  width: number;
  marker: Position;
  imageUrl?: string;
  label: string;
  disabled?: boolean;
  /** The marker moved (arrow keys). */
  onMove: (p: Position) => void;
  /** A position was picked (click, or Enter on the marker). */
  onPick: (p: Position) => void;
}) {
  const range = useMemo(() => valueRange(values), [values]);
  const value = values[marker.y * width + marker.x] ?? 0;

  const onClick = (e: MouseEvent<HTMLDivElement>) => {
    if (disabled) return;
    const box = e.currentTarget.getBoundingClientRect();
    const x = Math.min(width - 1, Math.max(0, Math.floor(((e.clientX - box.left) / box.width) * width)));
    const y = Math.min(height - 1, Math.max(0, Math.floor(((e.clientY - box.top) / box.height) * height)));
    e.currentTarget.focus();
    onPick({ y, x });
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (disabled) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onPick(marker);
      return;
    }
    const next = movedPosition(e.key, marker, height, width);
    if (next) {
      e.preventDefault();
      onMove(next);
    }
  };

  return (
    <div>
      <div
        className={`relative aspect-square w-full select-none rounded-lg outline-none focus-visible:ring-4 focus-visible:ring-brand-500 ${disabled ? 'cursor-not-allowed' : 'cursor-crosshair'}`}
        data-testid="activation-map"
        data-marker={`${marker.y},${marker.x}`}
        role="application"
        aria-roledescription="activation map"
        aria-label={`${label}. ${disabled ? 'Locked by the instructor.' : 'Arrow keys move the marker, Enter picks it; or click a cell.'}`}
        aria-disabled={disabled || undefined}
        tabIndex={disabled ? -1 : 0}
        onClick={onClick}
        onKeyDown={onKeyDown}
      >
        <Heatmap values={values} rows={height} cols={width} min={range.min} max={range.max} imageUrl={imageUrl} opacity={0.72} label={label} className="h-full w-full" />
        <div
          className="pointer-events-none absolute rounded-sm border-[3px] border-cyan-300 shadow-[0_0_0_2px_rgba(15,23,42,0.9)]"
          style={{ left: `${(marker.x / width) * 100}%`, top: `${(marker.y / height) * 100}%`, width: `${100 / width}%`, height: `${100 / height}%`, minWidth: 8, minHeight: 8 }}
          aria-hidden="true"
        />
      </div>
      <p className="mt-1 text-sm text-slate-600" aria-live="polite" data-testid="map-position">
        Marker at row {marker.y}, column {marker.x} · activation {value.toFixed(2)}
        <span className="text-slate-400"> (map {range.min.toFixed(1)} … {range.max.toFixed(1)})</span>
      </p>
    </div>
  );
}

/** A small picture of a channel's map (a thumbnail to pick the channel by). */
export function MapThumbnail({ values, height, width, channel, mean, selected, disabled, onSelect }: {
  values: Float32Array;
  height: number;
  width: number;
  channel: number;
  mean: number;
  selected: boolean;
  disabled?: boolean;
  onSelect: () => void;
}) {
  const range = useMemo(() => valueRange(values), [values]);
  return (
    <button
      type="button"
      className={`group flex flex-col items-center rounded-md p-0.5 text-[11px] leading-tight ${selected ? 'bg-brand-600 text-white' : 'text-slate-600 hover:bg-slate-100'} disabled:cursor-not-allowed disabled:opacity-60`}
      aria-pressed={selected}
      aria-label={`Channel ${channel}, mean activation ${mean.toFixed(2)}`}
      disabled={disabled}
      onClick={onSelect}
      data-testid="channel-thumbnail"
    >
      <Heatmap values={values} rows={height} cols={width} min={range.min} max={range.max} label="" className="aspect-square w-full" />
      <span aria-hidden="true">{channel}</span>
    </button>
  );
}
