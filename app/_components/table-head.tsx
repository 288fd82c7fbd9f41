import type { ReactNode } from 'react';

/** A table's caption (for screen readers) and header row; `null` columns are left out, `''` makes an "Actions" column. */
export function TableHead({ caption, columns, cellClass = 'px-4 py-3' }: { caption: string; columns: (ReactNode | null)[]; cellClass?: string }) {
  return (
    <>
      <caption className="sr-only">{caption}</caption>
      <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
        <tr>
          {columns.map((column, i) =>
            column === null ? null : (
              <th key={i} scope="col" className={`${cellClass} font-semibold`}>
                {column === '' ? <span className="sr-only">Actions</span> : column}
              </th>
            ),
          )}
        </tr>
      </thead>
    </>
  );
}
