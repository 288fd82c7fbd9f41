'use client';

import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { FieldNotes } from '../form-field';

export interface Option {
  value: string;
  label: string;
  /** Extra words the filter matches (synonyms, file names). */
  keywords?: string;
}

/** The list box's value: the chosen option when it is listed, else none. */
function chosenShown(opts: Option[], v: string | null): string {
  return v !== null && opts.some((o) => o.value === v) ? v : '';
}

/**
 * A long list made usable: a filter box above a list box. Typing narrows the list; Down Arrow moves into it;
 * the arrow keys then choose. The chosen option is named below, even while the filter hides it.
 */
export function SearchableSelect({
  label,
  options,
  value,
  onChange,
  error,
  hint,
  placeholder = 'Type to filter…',
  rows = 6,
  limit = 300,
}: {
  label: string;
  options: Option[] | null;
  value: string | null;
  onChange: (value: string) => void;
  error?: string;
  hint?: string;
  placeholder?: string;
  rows?: number;
  /** Most options rendered at once (the filter reaches the rest). */
  limit?: number;
}) {
  const id = useId();
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const all = options ?? [];
    const hits = words.length ? all.filter((o) => words.every((w) => `${o.label} ${o.keywords ?? ''}`.toLowerCase().includes(w))) : all;
    const first = hits.slice(0, limit);
    // The chosen option stays in the list (first) when the limit would cut it off.
    const chosenHit = hits.find((o) => o.value === value);
    return chosenHit && !first.includes(chosenHit) ? [chosenHit, ...first.slice(0, limit - 1)] : first;
  }, [options, filter, limit, value]);
  const total = options?.length ?? 0;
  const list = useRef<HTMLSelectElement>(null);
  const listValue = chosenShown(shown, value);
  // With nothing chosen, Chromium still highlights the first option of a list box; clear it so it does not look chosen.
  useEffect(() => {
    if (list.current && listValue === '') list.current.selectedIndex = -1;
  }, [listValue, shown]);
  const chosen = options?.find((o) => o.value === value);
  const describedBy = [`${id}-chosen`, hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <div role="group" aria-labelledby={`${id}-label`}>
      <p id={`${id}-label`} className="field-label">
        {label}
      </p>
      <label htmlFor={`${id}-filter`} className="sr-only">
        Filter {label.toLowerCase()}
      </label>
      <input
        id={`${id}-filter`}
        type="search"
        className="field-input"
        placeholder={placeholder}
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            document.getElementById(`${id}-list`)?.focus();
          }
        }}
        aria-controls={`${id}-list`}
        disabled={options === null}
      />
      <label htmlFor={`${id}-list`} className="sr-only">
        {label}
      </label>
      <select
        id={`${id}-list`}
        ref={list}
        size={rows}
        className="field-input mt-1 py-1 text-sm"
        value={listValue}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        disabled={options === null}
      >
        {shown.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <p id={`${id}-chosen`} className="mt-1 text-xs text-slate-600" aria-live="polite">
        {options === null
          ? 'Loading…'
          : `${chosen ? `Chosen: ${chosen.label}` : 'Nothing chosen yet'} · showing ${shown.length} of ${total}`}
      </p>
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}
