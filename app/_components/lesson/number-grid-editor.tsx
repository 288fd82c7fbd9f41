'use client';

import { useState, type ReactNode } from 'react';
import { gridText, parseGrid, sameGrid } from '../../_lib/number-grid';

/**
 * A grid of number inputs (the convolution lab's kernel or number grid). Each cell keeps its text as typed, so "-" or
 * "0." can be typed on the way to a number; a grid changed from outside (a preset, a new size) replaces the text.
 * `children` go above the cells (size, presets), the error under them.
 */
export function NumberGridEditor({
  legend,
  value,
  onChange,
  cellLabel,
  error,
  hint,
  children,
}: {
  legend: ReactNode;
  value: number[][];
  onChange: (grid: number[][]) => void;
  /** The accessible name of a cell ("Kernel row 1, column 2"). */
  cellLabel: (row: number, column: number) => string;
  error?: string;
  hint?: ReactNode;
  children?: ReactNode;
}) {
  // The text shown and the grid it was last read as (or seeded from).
  const [state, setState] = useState(() => ({ cells: gridText(value), grid: value }));
  if (!sameGrid(state.grid, value)) setState({ cells: gridText(value), grid: value });
  const cells = sameGrid(state.grid, value) ? state.cells : gridText(value);
  const bad = parseGrid(cells);
  const edit = (y: number, x: number, text: string) => {
    const next = cells.map((row, i) => (i === y ? row.map((t, j) => (j === x ? text : t)) : row));
    const grid = parseGrid(next);
    setState({ cells: next, grid });
    onChange(grid);
  };
  return (
    <fieldset className="rounded-xl border border-slate-200 p-4">
      <legend className="px-1 text-sm font-semibold text-slate-800">{legend}</legend>
      {children}
      <div className="overflow-x-auto">
        <div className="inline-grid gap-1" style={{ gridTemplateColumns: `repeat(${cells[0]?.length ?? 1}, 4.25rem)` }}>
          {cells.map((row, y) =>
            row.map((text, x) => (
              <input
                key={`${y}-${x}`}
                className={`field-input mt-0 px-1 text-center font-mono text-sm ${Number.isFinite(bad[y]![x]) ? '' : 'border-red-500 bg-red-50'}`}
                aria-label={cellLabel(y + 1, x + 1)}
                aria-invalid={Number.isFinite(bad[y]![x]) ? undefined : true}
                inputMode="decimal"
                value={text}
                onChange={(e) => edit(y, x, e.target.value)}
              />
            )),
          )}
        </div>
      </div>
      {hint ? <p className="mt-2 text-xs text-slate-500">{hint}</p> : null}
      {error ? <p className="mt-2 text-sm font-medium text-red-700">{error}</p> : null}
    </fieldset>
  );
}
