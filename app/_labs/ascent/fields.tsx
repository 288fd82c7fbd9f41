'use client';

/**
 * The ascent panel's form fields: a number field that lets people type freely (it commits a value only when it
 * parses and is in range) and the λ field with its log-scale slider. A disabled field says why next to it.
 */
import { useEffect, useId, useState } from 'react';
import { LAMBDA_SLIDER_MAX, formatNumber, lambdaToSlider, sliderToLambda } from './ascent-logic';

export interface NumberFieldProps {
  label: string;
  value: number;
  onChange: (value: number) => void;
  min: number;
  max: number;
  /** Whole numbers only. */
  integer?: boolean;
  /** Upper bound is exclusive (decay < 1). */
  maxExclusive?: boolean;
  /** What the parameter does, in a few words (shown under the field). */
  hint?: string;
  /** Why it cannot be changed; the field is disabled when set. */
  disabledReason?: string | null;
}

/** Why `text` is not an acceptable value, or null. */
function problemOf(text: string, { min, max, integer, maxExclusive }: Pick<NumberFieldProps, 'min' | 'max' | 'integer' | 'maxExclusive'>): string | null {
  if (text.trim() === '') return 'Enter a number.';
  const n = Number(text);
  if (!Number.isFinite(n)) return 'Enter a number.';
  if (integer && !Number.isInteger(n)) return 'Enter a whole number.';
  if (n < min) return `At least ${min}.`;
  if (maxExclusive ? n >= max : n > max) return maxExclusive ? `Less than ${max}.` : `At most ${max}.`;
  return null;
}

/** The text a field shows for a value (keeps what the person typed while it means the same number). */
function useFieldText(value: number): [string, (t: string) => void] {
  const [text, setText] = useState(() => formatNumber(value));
  useEffect(() => {
    setText((t) => (Number(t) === value && t.trim() !== '' ? t : formatNumber(value)));
  }, [value]);
  return [text, setText];
}

export function NumberField({ label, value, onChange, min, max, integer, maxExclusive, hint, disabledReason }: NumberFieldProps) {
  const id = useId();
  const [text, setText] = useFieldText(value);
  const problem = problemOf(text, { min, max, integer, maxExclusive });
  const disabled = !!disabledReason;
  return (
    <div>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        className="field-input py-1.5 disabled:bg-slate-100 disabled:text-slate-500"
        value={text}
        min={min}
        max={max}
        step={integer ? 1 : 'any'}
        disabled={disabled}
        aria-invalid={problem ? true : undefined}
        aria-describedby={`${id}-hint`}
        onChange={(e) => {
          setText(e.target.value);
          if (!problemOf(e.target.value, { min, max, integer, maxExclusive })) onChange(Number(e.target.value));
        }}
        onBlur={() => setText(formatNumber(value))}
      />
      <p id={`${id}-hint`} className={`mt-0.5 text-xs ${problem && !disabled ? 'text-red-700' : 'text-slate-500'}`}>
        {disabled ? disabledReason : problem ?? hint}
      </p>
    </div>
  );
}

/** λ: a number field and a slider on a log scale (leftmost = 0), both operable by keyboard. */
export function LambdaField({ value, onChange, disabledReason, note }: { value: number; onChange: (v: number) => void; disabledReason?: string | null; note?: string | null }) {
  const id = useId();
  const [text, setText] = useFieldText(value);
  const problem = problemOf(text, { min: 0, max: 10 });
  const disabled = !!disabledReason;
  return (
    <div>
      <label htmlFor={id} className="field-label">
        λ
      </label>
      <div className="mt-1 flex items-center gap-3">
        <input
          type="range"
          aria-label="Lambda (log scale)"
          className="min-w-0 flex-1 accent-brand-600"
          min={0}
          max={LAMBDA_SLIDER_MAX}
          step={1}
          value={lambdaToSlider(value)}
          aria-valuetext={`λ = ${formatNumber(value)}`}
          disabled={disabled}
          onChange={(e) => onChange(sliderToLambda(Number(e.target.value)))}
        />
        <input
          id={id}
          type="number"
          inputMode="decimal"
          className="field-input mt-0 w-32 py-1.5 disabled:bg-slate-100 disabled:text-slate-500"
          value={text}
          min={0}
          max={10}
          step="any"
          disabled={disabled}
          aria-invalid={problem ? true : undefined}
          aria-describedby={`${id}-hint`}
          onChange={(e) => {
            setText(e.target.value);
            if (!problemOf(e.target.value, { min: 0, max: 10 })) onChange(Number(e.target.value));
          }}
          onBlur={() => setText(formatNumber(value))}
        />
      </div>
      <p id={`${id}-hint`} className={`mt-0.5 text-xs ${problem && !disabled ? 'text-red-700' : 'text-slate-500'}`}>
        {problem && !disabled ? problem : (disabledReason ?? note ?? 'Weight of the penalty λ‖I‖²: 0 = none; larger = greyer, smoother images.')}
      </p>
    </div>
  );
}
