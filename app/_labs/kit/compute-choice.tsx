'use client';

import type { Preference } from '../../_lib/compute/placement';

const CHOICES: Array<{ value: Preference; label: string }> = [
  { value: 'auto', label: 'Automatic' },
  { value: 'browser', label: 'This device' },
  { value: 'server', label: 'Server' },
];

/** The student's choice of where labs compute, with what this browser can do. */
export function ComputeChoice({ value, onChange, status }: { value: Preference; onChange: (p: Preference) => void; status: string }) {
  return (
    <fieldset className="flex flex-wrap items-center gap-2 text-sm" data-testid="compute-choice">
      <legend className="sr-only">Where labs compute</legend>
      <span className="font-semibold text-slate-700" aria-hidden="true">
        Compute:
      </span>
      <div className="inline-flex rounded-lg border border-slate-300 bg-white p-0.5">
        {CHOICES.map((c) => (
          <label key={c.value} className={`cursor-pointer rounded-md px-2.5 py-1 focus-within:ring-2 focus-within:ring-brand-500 ${value === c.value ? 'bg-brand-600 text-white' : 'text-slate-700 hover:bg-slate-100'}`}>
            <input type="radio" name="compute-choice" value={c.value} checked={value === c.value} onChange={() => onChange(c.value)} className="sr-only" />
            {c.label}
          </label>
        ))}
      </div>
      <span className="text-slate-500" data-testid="compute-status">
        {status}
      </span>
    </fieldset>
  );
}
