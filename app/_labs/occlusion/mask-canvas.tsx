'use client';

/**
 * Where a student draws masks on the photo: drag a rectangle, or paint with the brush (a stroke becomes one
 * bitmap mask). Without a mouse: focus the photo, move the dashed box with the arrow keys (Shift+arrows resize it)
 * and press Enter to add it. Pointer positions are mapped from the displayed size to model-input pixels.
 */
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import type { Mask, RectMask } from '@convlab/protocol';
import { createBrushGrid, encodeWithinRuns, moveBox, paintBrush, rectFromDrag, runsLeftForStroke, type BrushGrid, type Point } from './geometry';
import { PhotoWithMasks } from './mask-overlay';
import { maskColor } from './shared';

export type Tool = 'rect' | 'brush';

const KEY_STEP = 8;
const KEY_STEP_FAST = 32;

export function MaskCanvas({ imageUrl, inputSize, masks, tool, brushSize, full, disabled = false, onAdd, alt }: {
  imageUrl: string;
  inputSize: [number, number];
  masks: readonly Mask[];
  tool: Tool;
  /** Brush diameter in input pixels. */
  brushSize: number;
  /** No more masks may be added (the step's maximum). */
  full: boolean;
  /** Nothing may be drawn now (the instructor locked or paused the class): the photo is only shown. */
  disabled?: boolean;
  onAdd: (mask: Mask) => void;
  alt: string;
}) {
  const [h, w] = inputSize;
  const wrapper = useRef<HTMLDivElement>(null);
  const brushCanvas = useRef<HTMLCanvasElement>(null);
  const [drag, setDrag] = useState<{ from: Point; to: Point } | null>(null);
  const stroke = useRef<{ grid: BrushGrid; last: Point } | null>(null);
  const [box, setBox] = useState<RectMask>(() => ({ kind: 'rect', x: Math.round(w / 2 - 32), y: Math.round(h / 2 - 32), width: 64, height: 64 }));
  const [focused, setFocused] = useState(false);
  const [hover, setHover] = useState<Point | null>(null);

  // Model-input pixels of a pointer event.
  const toInput = (e: { clientX: number; clientY: number }): Point => {
    const r = wrapper.current!.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * w) / r.width, y: ((e.clientY - r.top) * h) / r.height };
  };

  const drawStroke = () => {
    const c = brushCanvas.current;
    const s = stroke.current;
    if (!c) return;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    if (!s) {
      ctx.clearRect(0, 0, c.width, c.height);
      return;
    }
    if (c.width !== s.grid.cols || c.height !== s.grid.rows) {
      c.width = s.grid.cols;
      c.height = s.grid.rows;
    }
    const img = ctx.createImageData(s.grid.cols, s.grid.rows);
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(maskColor(masks.length).slice(i, i + 2), 16));
    s.grid.cells.forEach((v, i) => v && img.data.set([r!, g!, b!, 150], i * 4));
    ctx.putImageData(img, 0, 0);
  };

  useEffect(() => {
    if (!stroke.current) drawStroke();
  });

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0 || full || disabled) return;
    e.preventDefault();
    wrapper.current?.focus({ preventScroll: true });
    e.currentTarget.setPointerCapture(e.pointerId);
    const p = toInput(e);
    if (tool === 'rect') setDrag({ from: p, to: p });
    else {
      stroke.current = { grid: paintBrush(createBrushGrid(w, h), w, h, p, brushSize), last: p };
      drawStroke();
    }
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    const p = toInput(e);
    if (tool === 'brush') setHover(p);
    if (drag) setDrag({ ...drag, to: p });
    else if (stroke.current) {
      paintBrush(stroke.current.grid, w, h, p, brushSize, stroke.current.last);
      stroke.current.last = p;
      drawStroke();
    }
  };
  const onPointerUp = (e: PointerEvent<HTMLDivElement>) => {
    if (disabled) {
      // Locked mid-stroke: what was being drawn is dropped, not added.
      setDrag(null);
      stroke.current = null;
      drawStroke();
      return;
    }
    if (drag) {
      const rect = rectFromDrag(drag.from, toInput(e), w, h);
      setDrag(null);
      if (rect) onAdd(rect);
    } else if (stroke.current) {
      const { grid } = stroke.current;
      stroke.current = null;
      drawStroke();
      const mask = encodeWithinRuns(grid.cells, grid.cols, grid.rows, runsLeftForStroke(masks));
      if (mask) onAdd(mask);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (disabled) return;
    const arrows: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const dir = arrows[e.key];
    if (dir) {
      e.preventDefault();
      const step = e.altKey ? KEY_STEP_FAST : KEY_STEP;
      setBox((b) => moveBox(b, dir[0] * step, dir[1] * step, e.shiftKey, w, h));
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      if (!full) onAdd({ ...box });
    }
  };

  const preview = drag ? rectFromDrag(drag.from, drag.to, w, h, 1) : null;
  const cursor = full || disabled ? 'not-allowed' : tool === 'rect' ? 'crosshair' : 'none';
  return (
    <div
      ref={wrapper}
      data-testid="occlusion-canvas"
      data-tool={tool}
      role="application"
      aria-roledescription="mask drawing area"
      aria-disabled={disabled || undefined}
      data-disabled={disabled || undefined}
      aria-label={`${alt}. ${disabled ? 'Drawing is not possible right now.' : full ? 'The most masks are drawn; remove one to draw another.' : 'Drag to draw a mask. Keyboard: arrow keys move the dashed box, Shift+arrows resize it, Alt+arrows move it faster, Enter adds it as a mask.'}`}
      tabIndex={disabled ? -1 : 0}
      className="relative w-full touch-none rounded-lg outline-none focus-visible:ring-4 focus-visible:ring-brand-500"
      style={{ cursor }}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={() => {
        setDrag(null);
        stroke.current = null;
        drawStroke();
      }}
      onPointerLeave={() => setHover(null)}
      onKeyDown={onKeyDown}
      onFocus={() => setFocused(true)}
      onBlur={() => setFocused(false)}
    >
      <PhotoWithMasks imageUrl={imageUrl} masks={masks} inputSize={inputSize} alt="">
        {preview ? <rect x={preview.x} y={preview.y} width={preview.width} height={preview.height} fill={maskColor(masks.length)} fillOpacity={0.35} stroke={maskColor(masks.length)} strokeWidth={3} vectorEffect="non-scaling-stroke" /> : null}
        {focused && !drag && !full && !disabled ? (
          <rect x={box.x} y={box.y} width={box.width} height={box.height} fill="white" fillOpacity={0.15} stroke="white" strokeWidth={3} strokeDasharray="8 5" vectorEffect="non-scaling-stroke" data-testid="keyboard-box" />
        ) : null}
        {tool === 'brush' && hover && !full && !disabled ? <circle cx={hover.x} cy={hover.y} r={brushSize / 2} fill="none" stroke="white" strokeWidth={2} vectorEffect="non-scaling-stroke" /> : null}
      </PhotoWithMasks>
      <canvas ref={brushCanvas} className="pointer-events-none absolute inset-0 h-full w-full rounded-lg" style={{ imageRendering: 'pixelated' }} aria-hidden="true" />
    </div>
  );
}
