'use client';

import { useState } from 'react';
import { PLAN_LIMITS, blankStep, moveItem, type PlanErrors, type SlideStep } from '../_lib/lesson-plan';
import { StepView } from './step-view';

/**
 * Ordered slide steps: add, remove, move up/down (buttons, so it works from the keyboard), and a
 * per-step preview rendered exactly as students will see it.
 */
export function LessonPlanEditor({
  steps,
  onChange,
  errors,
}: {
  steps: SlideStep[];
  onChange: (steps: SlideStep[]) => void;
  errors: PlanErrors['steps'];
}) {
  const [previewing, setPreviewing] = useState<Record<string, boolean>>({});
  const [announcement, setAnnouncement] = useState('');

  const update = (id: string, patch: Partial<SlideStep>) => onChange(steps.map((s) => (s.id === id ? { ...s, ...patch } : s)));
  const move = (index: number, to: number) => {
    onChange(moveItem(steps, index, to));
    setAnnouncement(`Moved "${steps[index].title || `step ${index + 1}`}" to position ${to + 1} of ${steps.length}.`);
    // Keep focus on the moved step's matching button so repeated moves are easy from the keyboard.
    const dir = to < index ? 'up' : 'down';
    requestAnimationFrame(() => document.getElementById(`${steps[index].id}-${dir}`)?.focus());
  };
  const remove = (index: number) => {
    const removed = steps[index];
    onChange(steps.filter((_, i) => i !== index));
    setAnnouncement(`Removed "${removed.title || `step ${index + 1}`}".`);
  };
  const add = () => {
    const step = blankStep();
    onChange([...steps, step]);
    setAnnouncement(`Added step ${steps.length + 1}.`);
    requestAnimationFrame(() => document.getElementById(`${step.id}-title`)?.focus());
  };

  return (
    <div className="space-y-4">
      <p className="sr-only" role="status" aria-live="polite">
        {announcement}
      </p>
      <ol className="space-y-4">
        {steps.map((step, index) => {
          const e = errors[step.id] ?? {};
          const showPreview = previewing[step.id] ?? false;
          return (
            <li key={step.id} className="card p-5" aria-label={`Step ${index + 1}`}>
              <div className="flex flex-wrap items-center justify-between gap-2">
                <h3 className="text-sm font-bold uppercase tracking-wide text-slate-500">Step {index + 1}</h3>
                <div className="flex flex-wrap gap-1">
                  <button
                    type="button"
                    className="btn btn-ghost px-2 py-1"
                    onClick={() => setPreviewing((p) => ({ ...p, [step.id]: !showPreview }))}
                    aria-pressed={showPreview}
                  >
                    {showPreview ? 'Edit' : 'Preview'}
                  </button>
                  <button
                    type="button"
                    id={`${step.id}-up`}
                    className="btn btn-ghost px-2 py-1"
                    onClick={() => move(index, index - 1)}
                    disabled={index === 0}
                    aria-label={`Move step ${index + 1} up`}
                  >
                    <span aria-hidden="true">↑</span> Up
                  </button>
                  <button
                    type="button"
                    id={`${step.id}-down`}
                    className="btn btn-ghost px-2 py-1"
                    onClick={() => move(index, index + 1)}
                    disabled={index === steps.length - 1}
                    aria-label={`Move step ${index + 1} down`}
                  >
                    <span aria-hidden="true">↓</span> Down
                  </button>
                  <button
                    type="button"
                    className="btn btn-ghost px-2 py-1 text-red-700 hover:bg-red-50"
                    onClick={() => remove(index)}
                    disabled={steps.length === 1}
                    aria-label={`Remove step ${index + 1}`}
                  >
                    Remove
                  </button>
                </div>
              </div>

              {showPreview ? (
                <div className="mt-4 rounded-xl border border-dashed border-slate-300 p-5">
                  <StepView step={{ ...step, title: step.title || 'Untitled step', imageUrl: step.imageUrl?.trim() || undefined }} />
                </div>
              ) : (
                <div className="mt-4 grid gap-4">
                  <StepInput
                    id={`${step.id}-title`}
                    label="Title"
                    value={step.title}
                    maxLength={PLAN_LIMITS.stepTitle}
                    error={e.title}
                    onChange={(v) => update(step.id, { title: v })}
                  />
                  <div>
                    <label htmlFor={`${step.id}-markdown`} className="field-label">
                      Text <span className="font-normal text-slate-500">(Markdown: **bold**, *italic*, lists, `code`)</span>
                    </label>
                    <textarea
                      id={`${step.id}-markdown`}
                      className="field-input min-h-32 font-mono text-sm"
                      value={step.markdown}
                      onChange={(ev) => update(step.id, { markdown: ev.target.value })}
                      aria-invalid={e.markdown ? true : undefined}
                      aria-describedby={e.markdown ? `${step.id}-markdown-error` : undefined}
                      rows={5}
                    />
                    {e.markdown ? (
                      <p id={`${step.id}-markdown-error`} className="mt-1 text-sm font-medium text-red-700">
                        {e.markdown}
                      </p>
                    ) : null}
                  </div>
                  <StepInput
                    id={`${step.id}-image`}
                    label="Image URL (optional)"
                    value={step.imageUrl ?? ''}
                    type="url"
                    placeholder="https://…/filters.png"
                    error={e.imageUrl}
                    onChange={(v) => update(step.id, { imageUrl: v })}
                  />
                </div>
              )}
            </li>
          );
        })}
      </ol>
      <button type="button" className="btn btn-secondary w-full border-dashed py-3" onClick={add} disabled={steps.length >= PLAN_LIMITS.steps}>
        <span aria-hidden="true">+</span> Add step
      </button>
    </div>
  );
}

function StepInput({
  id,
  label,
  value,
  onChange,
  error,
  ...rest
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  type?: string;
  placeholder?: string;
  maxLength?: number;
}) {
  return (
    <div>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input
        id={id}
        className="field-input"
        value={value}
        onChange={(ev) => onChange(ev.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        {...rest}
      />
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-sm font-medium text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}
