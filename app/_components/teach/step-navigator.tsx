'use client';

import type { Step } from '@convlab/protocol';

/** Previous / "Step n of m" / Next: the controls an instructor uses most, kept at the top of the view. */
export function StepPager({
  count,
  current,
  disabled,
  onPrev,
  onNext,
}: {
  count: number;
  current: number;
  disabled: boolean;
  onPrev: () => void;
  onNext: () => void;
}) {
  return (
    <div className="flex items-center gap-3">
      <button type="button" className="btn btn-secondary btn-lg flex-1" onClick={onPrev} disabled={disabled || current <= 0}>
        <span aria-hidden="true">←</span> Previous
      </button>
      <p className="min-w-24 text-center text-sm font-semibold text-slate-700" data-testid="instructor-step-counter" aria-live="polite">
        Step {current + 1} of {count}
      </p>
      <button type="button" className="btn btn-primary btn-lg flex-1" onClick={onNext} disabled={disabled || current >= count - 1}>
        Next <span aria-hidden="true">→</span>
      </button>
    </div>
  );
}

/** A clickable outline of all steps (go-to); the current one is marked aria-current. */
export function StepOutline({
  steps,
  current,
  disabled,
  onGoto,
}: {
  steps: Step[];
  current: number;
  disabled: boolean;
  onGoto: (index: number) => void;
}) {
  return (
    <nav aria-label="Go to step">
      <ol className="grid gap-1">
        {steps.map((step, i) => (
          <li key={step.id}>
            <button
              type="button"
              onClick={() => onGoto(i)}
              disabled={disabled && i !== current}
              aria-current={i === current ? 'step' : undefined}
              className={`flex w-full items-center gap-3 rounded-lg px-3 py-2 text-left text-sm transition-colors disabled:cursor-not-allowed ${
                i === current ? 'bg-brand-600 font-semibold text-white' : 'text-slate-700 hover:bg-slate-100'
              }`}
            >
              <span
                className={`flex size-6 shrink-0 items-center justify-center rounded-full text-xs font-bold ${
                  i === current ? 'bg-white text-brand-700' : 'bg-slate-200 text-slate-700'
                }`}
                aria-hidden="true"
              >
                {i + 1}
              </span>
              <span className="truncate">
                <span className="sr-only">Go to step {i + 1}: </span>
                {step.title}
              </span>
            </button>
          </li>
        ))}
      </ol>
    </nav>
  );
}
