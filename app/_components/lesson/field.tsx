'use client';

import { useId, type ReactNode } from 'react';
import { describeNumberSpec, enumValues, type NumberSpec, type ParamSource } from '../../_lib/lab-params';
import { FieldNotes } from '../form-field';

/** The attributes a control needs to be labelled and described by its Field. */
export interface ControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: true;
}

/** A label, a control (render prop, so any input fits), a hint and an error wired through aria-describedby. */
export function Field({
  id: givenId,
  label,
  hint,
  error,
  className = '',
  children,
}: {
  /** The control's id when something else needs it (focus after adding a step); generated otherwise. */
  id?: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  className?: string;
  children: (control: ControlProps) => ReactNode;
}) {
  const generated = useId();
  const id = givenId ?? generated;
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={className}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': error ? true : undefined })}
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}

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
