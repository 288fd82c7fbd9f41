/**
 * A grid of numbers as the lesson editor edits it (the convolution lab's kernel and number grid): the text of each
 * cell, read back into numbers, compared and resized. A cell that is not a number yet reads as NaN, so the lab's
 * schema names it ("each kernel entry must be a finite number") instead of the editor dropping what was typed.
 */

/** The numbers as the cells show them ("" for a value that is not a finite number). */
export function gridText(grid: readonly (readonly number[])[]): string[][] {
  return grid.map((row) => row.map((v) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : '')));
}

/** The cells' text as numbers: an empty or unreadable cell is NaN. */
export function parseGrid(cells: readonly (readonly string[])[]): number[][] {
  return cells.map((row) => row.map((t) => (t.trim() === '' ? Number.NaN : Number(t.trim()))));
}

/** Whether two grids hold the same numbers (any two non-numbers, NaN or null after a JSON round trip, count as equal). */
export function sameGrid(a: readonly (readonly unknown[])[], b: readonly (readonly unknown[])[]): boolean {
  const blank = (v: unknown) => typeof v !== 'number' || !Number.isFinite(v);
  return a.length === b.length && a.every((row, y) => row.length === b[y]!.length && row.every((v, x) => v === b[y]![x] || (blank(v) && blank(b[y]![x]))));
}

/** The grid at `rows` × `columns`: what fits is kept, new cells are `fill`. */
export function resizeGrid(grid: readonly (readonly number[])[], rows: number, columns: number, fill = 0): number[][] {
  return Array.from({ length: rows }, (_, y) => Array.from({ length: columns }, (_, x) => grid[y]?.[x] ?? fill));
}

/** A value as a rectangular grid of numbers, or null when it is not one (a step's hand-edited parameters). */
export function asGrid(value: unknown): number[][] | null {
  if (!Array.isArray(value) || !value.length || !value.every((row) => Array.isArray(row))) return null;
  const rows = value as unknown[][];
  return rows.map((row) => row.map((v) => (typeof v === 'number' ? v : Number.NaN)));
}
