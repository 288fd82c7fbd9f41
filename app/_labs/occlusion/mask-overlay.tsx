'use client';

/**
 * The masks of an occlusion result drawn over the photo: rectangles as outlined boxes, brush strokes as tinted
 * bitmaps, each numbered in its colour so a list below can refer to "mask 2". Coordinates are model-input pixels;
 * the SVG's viewBox maps them onto the photo at any display size.
 */
import { useMemo, type ReactNode } from 'react';
import { decodeBitmapMask, type BitmapMask, type Mask } from '@convlab/protocol';
import { maskColor } from './shared';

/** A brush bitmap as a PNG data URL in the mask's colour (transparent where uncovered). */
function bitmapDataUrl(mask: BitmapMask, color: string): string | null {
  if (typeof document === 'undefined') return null;
  const canvas = document.createElement('canvas');
  canvas.width = mask.width;
  canvas.height = mask.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  const cells = decodeBitmapMask(mask);
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
  const img = ctx.createImageData(mask.width, mask.height);
  cells.forEach((c, i) => c && img.data.set([r!, g!, b!, 255], i * 4));
  ctx.putImageData(img, 0, 0);
  return canvas.toDataURL();
}

/** Where a mask's number goes: a rectangle's top-left corner, a stroke's first covered cell. */
function labelPoint(mask: Mask, width: number, height: number): [number, number] {
  if (mask.kind === 'rect') return [mask.x + 2, mask.y + 2];
  const cells = decodeBitmapMask(mask);
  const i = cells.indexOf(1);
  if (i < 0) return [2, 2];
  return [((i % mask.width) * width) / mask.width, (Math.floor(i / mask.width) * height) / mask.height];
}

function MaskShape({ mask, index, width, height, fillOpacity }: { mask: Mask; index: number; width: number; height: number; fillOpacity: number }) {
  const color = maskColor(index);
  const url = useMemo(() => (mask.kind === 'bitmap' ? bitmapDataUrl(mask, color) : null), [mask, color]);
  const [lx, ly] = useMemo(() => labelPoint(mask, width, height), [mask, width, height]);
  const badge = Math.max(10, width / 16);
  return (
    <g>
      {mask.kind === 'rect' ? (
        <rect x={mask.x} y={mask.y} width={mask.width} height={mask.height} fill={color} fillOpacity={fillOpacity} stroke={color} strokeWidth={3} vectorEffect="non-scaling-stroke" />
      ) : url ? (
        <image href={url} x={0} y={0} width={width} height={height} preserveAspectRatio="none" opacity={Math.min(1, fillOpacity + 0.3)} style={{ imageRendering: 'pixelated' }} />
      ) : null}
      <g transform={`translate(${Math.min(lx, width - badge)} ${Math.min(ly, height - badge)})`}>
        <rect width={badge} height={badge} rx={badge / 4} fill={color} />
        <text x={badge / 2} y={badge * 0.75} textAnchor="middle" fontSize={badge * 0.72} fontWeight={700} fill="white">
          {index + 1}
        </text>
      </g>
    </g>
  );
}

/** The photo with masks drawn over it; `children` draws more on top (the drag preview, the keyboard box). */
export function PhotoWithMasks({ imageUrl, masks, inputSize, alt, fillOpacity = 0.35, children, className = '' }: {
  imageUrl: string;
  masks: readonly Mask[];
  inputSize: [number, number];
  alt: string;
  fillOpacity?: number;
  children?: ReactNode;
  className?: string;
}) {
  const [h, w] = inputSize;
  return (
    <div className={`relative overflow-hidden rounded-lg bg-slate-900 ${className}`} style={{ aspectRatio: `${w} / ${h}` }}>
      <img src={imageUrl} alt={alt} className="block h-full w-full object-fill select-none" draggable={false} />
      <svg viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" className="pointer-events-none absolute inset-0 h-full w-full" aria-hidden="true">
        {masks.map((m, i) => (
          <MaskShape key={i} mask={m} index={i} width={w} height={h} fillOpacity={fillOpacity} />
        ))}
        {children}
      </svg>
    </div>
  );
}
