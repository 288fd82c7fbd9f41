'use client';

import type { ImageNetClass } from '@convlab/nets';
import { useMemo, useState } from 'react';
import { SearchableSelect, type Option } from './searchable-select';

const NONE = '';

/** A class by its short name ("lemon"), or "class 951" while the names load. */
export function classLabel(classes: ImageNetClass[] | null, index: number): string {
  const c = classes?.[index];
  return c ? c.name : `class ${index}`;
}

function classOptions(classes: ImageNetClass[] | null, noneLabel?: string): Option[] | null {
  if (!classes) return null;
  const options = classes.map((c) => ({ value: String(c.index), label: `${c.name} (${c.index})`, keywords: `${c.fullName} ${c.wnid}` }));
  return noneLabel ? [{ value: NONE, label: noneLabel }, ...options] : options;
}

/** One ImageNet class, searchable by name, synonym, index or wnid. `noneLabel` offers "no class" as a choice. */
export function ClassPicker({
  label,
  value,
  onChange,
  classes,
  error,
  hint,
  noneLabel,
}: {
  label: string;
  value: unknown;
  onChange: (index: number | undefined) => void;
  classes: ImageNetClass[] | null;
  error?: string;
  hint?: string;
  noneLabel?: string;
}) {
  const options = useMemo(() => classOptions(classes, noneLabel), [classes, noneLabel]);
  return (
    <SearchableSelect
      label={label}
      options={options}
      value={typeof value === 'number' ? String(value) : noneLabel ? NONE : null}
      onChange={(v) => onChange(v === NONE ? undefined : Number(v))}
      error={error}
      hint={hint}
      placeholder="Filter by name, e.g. lemon"
    />
  );
}

/** An ordered list of classes: each shown with a Remove button, and a picker to add one more. */
export function ClassListPicker({
  label,
  value,
  onChange,
  classes,
  error,
  max,
}: {
  label: string;
  value: unknown;
  onChange: (indices: number[]) => void;
  classes: ImageNetClass[] | null;
  error?: string;
  max: number;
}) {
  const list = Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : [];
  const [next, setNext] = useState<number | undefined>(undefined);
  const add = () => {
    if (next === undefined || list.includes(next)) return;
    onChange([...list, next]);
  };
  return (
    <fieldset className="rounded-xl border border-slate-200 p-4">
      <legend className="px-1 text-sm font-semibold text-slate-800">{label}</legend>
      {list.length ? (
        <ul className="flex flex-wrap gap-2" aria-label={`${label}: ${list.length} chosen`}>
          {list.map((index) => (
            <li key={index} className="badge bg-brand-50 py-1 pr-1 text-sm text-brand-900">
              {classLabel(classes, index)}
              <button
                type="button"
                className="rounded-full px-1.5 text-brand-700 hover:bg-brand-100"
                onClick={() => onChange(list.filter((i) => i !== index))}
                aria-label={`Remove ${classLabel(classes, index)}`}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-sm text-slate-500">No class chosen yet.</p>
      )}
      {error ? <p className="mt-2 text-sm font-medium text-red-700">{error}</p> : null}
      <div className="mt-3 grid gap-2 sm:grid-cols-[1fr_auto] sm:items-end">
        <ClassPicker label="Add a class" value={next} onChange={setNext} classes={classes} />
        <button
          type="button"
          className="btn btn-secondary"
          onClick={add}
          disabled={next === undefined || list.includes(next) || list.length >= max}
        >
          Add {next !== undefined ? classLabel(classes, next) : 'class'}
        </button>
      </div>
    </fieldset>
  );
}
