'use client';

import type { ReactNode } from 'react';
import { describeNumberSpec, enumValues, type NumberSpec, type ParamSource } from '../../_lib/lab-params';
import { Field } from '../form-field';

export { Field, type ControlProps } from '../form-field';

/** A number input bounded by `spec` (min, max, whole numbers), hinted in words; empty means unset. */
export function NumberField({
  label,
  value,
  onChange,
  spec,
  error,
  hint,
  className,
}: {
  label: ReactNode;
  value: unknown;
  onChange: (value: number | undefined) => void;
  spec: NumberSpec;
  error?: string;
  hint?: string;
  className?: string;
}) {
  const words = [hint, describeNumberSpec(spec)].filter(Boolean).join(' · ');
  return (
    <Field label={label} hint={words || undefined} error={error} className={className}>
      {(control) => (
        <input
          {...control}
          type="number"
          inputMode={spec.int ? 'numeric' : 'decimal'}
          className="field-input"
          value={typeof value === 'number' && Number.isFinite(value) ? value : ''}
          min={spec.min}
          max={spec.max}
          step={spec.int ? 1 : 'any'}
          placeholder={spec.defaultValue !== undefined ? `${spec.defaultValue} (default)` : undefined}
          onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
        />
      )}
    </Field>
  );
}

/** A select of an enum parameter's values (read from its schema). */
export function EnumField({
  label,
  source,
  name,
  value,
  onChange,
  error,
  describe = (v) => v,
  className,
}: {
  label: ReactNode;
  source: ParamSource;
  name: string;
  value: unknown;
  onChange: (value: string) => void;
  error?: string;
  describe?: (value: string) => string;
  className?: string;
}) {
  const values = enumValues(source, name);
  return (
    <Field label={label} error={error} className={className}>
      {(control) => (
        <select {...control} className="field-input" value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.target.value)}>
          {typeof value === 'string' ? null : <option value="">Choose…</option>}
          {values.map((v) => (
            <option key={v} value={v}>
              {describe(v)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/**
 * A set of checkboxes choosing some of `options`; the choice keeps the options' order whatever the order of the
 * clicks. `children` go under the boxes (a note, an error).
 */
export function CheckboxSet<T extends string>({
  legend,
  options,
  chosen,
  onChange,
  labelOf = (o) => o,
  mono = false,
  children,
}: {
  legend: ReactNode;
  options: readonly T[];
  chosen: readonly T[];
  onChange: (chosen: T[]) => void;
  labelOf?: (option: T) => ReactNode;
  /** Show the options as code (parameter names). */
  mono?: boolean;
  children?: ReactNode;
}) {
  return (
    <fieldset className="rounded-xl border border-slate-200 p-4">
      <legend className="px-1 text-sm font-semibold text-slate-800">{legend}</legend>
      <div className="flex flex-wrap gap-x-5 gap-y-2 text-sm">
        {options.map((o) => (
          <label key={o} className={`inline-flex items-center gap-2 ${mono ? 'font-mono' : ''}`}>
            <input
              type="checkbox"
              checked={chosen.includes(o)}
              onChange={(e) => onChange(e.target.checked ? options.filter((x) => x === o || chosen.includes(x)) : chosen.filter((x) => x !== o))}
            />
            {labelOf(o)}
          </label>
        ))}
      </div>
      {children}
    </fieldset>
  );
}
