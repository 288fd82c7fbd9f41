'use client';

import { LABS, type LabDefinition } from '@convlab/labs';
import { useState } from 'react';
import { PLAN_LIMITS, blankLabStep, blankStep, moveItem, newStepId, type LabStep, type PlanErrors, type SlideStep, type Step } from '../_lib/lesson-plan';
import { useLessonCatalog } from '../_lib/use-lesson-catalog';
import { ImageLibrary } from './lesson/image-library';
import { LabStepEditor } from './lesson/lab-step-editor';
import { LabStepPreview } from './lesson/lab-step-preview';
import { StepView } from './step-view';
import { FieldNotes } from './form-field';

/**
 * Ordered slide and lab steps: add, remove, move up/down (buttons, so it works from the keyboard), and a
 * per-step preview rendered as students will see it. Lab steps get their lab's parameter form.
 */
export function LessonPlanEditor({
  steps,
  onChange,
  errors,
}: {
  steps: Step[];
  onChange: (steps: Step[]) => void;
  errors: PlanErrors['steps'];
}) {
  const [previewing, setPreviewing] = useState<Record<string, boolean>>({});
  const [announcement, setAnnouncement] = useState('');
  /** Where "Add lab…" inserts: the end (null) or after the step at this index. */
  const [choosingLab, setChoosingLab] = useState<{ at: number } | null>(null);
  const [removed, setRemoved] = useState<{ step: Step; index: number } | null>(null);
  const catalog = useLessonCatalog();

  const update = (id: string, patch: Partial<SlideStep> | Partial<LabStep>) => onChange(steps.map((s) => (s.id === id ? ({ ...s, ...patch } as Step) : s)));
  const move = (index: number, to: number) => {
    onChange(moveItem(steps, index, to));
    setAnnouncement(`Moved "${steps[index].title || `step ${index + 1}`}" to position ${to + 1} of ${steps.length}.`);
    // Keep focus on the moved step's matching button so repeated moves are easy from the keyboard.
    const dir = to < index ? 'up' : 'down';
    requestAnimationFrame(() => document.getElementById(`${steps[index].id}-${dir}`)?.focus());
  };
  const remove = (index: number) => {
    const step = steps[index];
    onChange(steps.filter((_, i) => i !== index));
    setRemoved({ step, index });
    setAnnouncement(`Removed "${step.title || `step ${index + 1}`}". Undo is offered below the steps.`);
    requestAnimationFrame(() => document.getElementById('undo-remove')?.focus());
  };
  const undoRemove = () => {
    if (!removed) return;
    const at = Math.min(removed.index, steps.length);
    onChange([...steps.slice(0, at), removed.step, ...steps.slice(at)]);
    setAnnouncement(`Restored "${removed.step.title || 'the step'}" as step ${at + 1}.`);
    requestAnimationFrame(() => document.getElementById(`${removed.step.id}-title`)?.focus());
    setRemoved(null);
  };
  /** Inserts `step` at position `at` (0-based; the end by default) and focuses its title. */
  const insert = (step: Step, what: string, at = steps.length) => {
    onChange([...steps.slice(0, at), step, ...steps.slice(at)]);
    setAnnouncement(`Added ${what} as step ${at + 1}.`);
    requestAnimationFrame(() => document.getElementById(`${step.id}-title`)?.focus());
  };
  const duplicate = (index: number) => {
    const copy = { ...structuredClone(steps[index]), id: newStepId() } as Step;
    copy.title = copy.title ? `${copy.title} (copy)` : '';
    insert(copy, 'a copy', index + 1);
  };
  const addLab = (lab: LabDefinition) => {
    const at = choosingLab?.at ?? steps.length;
    setChoosingLab(null);
    insert(blankLabStep(lab), `the ${lab.title} lab`, at);
  };
  const full = steps.length >= PLAN_LIMITS.steps;

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
                <h3 className="text-sm font-bold uppercase tracking-wide text-slate-500">
                  Step {index + 1}
                  {step.kind === 'lab' ? <span className="ml-2 normal-case tracking-normal text-violet-700">· lab</span> : null}
                </h3>
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
                  <button type="button" className="btn btn-ghost px-2 py-1" onClick={() => duplicate(index)} disabled={full} aria-label={`Duplicate step ${index + 1}`}>
                    Duplicate
                  </button>
                  <button type="button" className="btn btn-ghost px-2 py-1" onClick={() => insert(blankStep(), 'a slide', index + 1)} disabled={full} aria-label={`Insert a slide after step ${index + 1}`}>
                    + Slide
                  </button>
                  <button
                    type="button"
                    className="btn btn-ghost px-2 py-1"
                    onClick={() => setChoosingLab(choosingLab?.at === index + 1 ? null : { at: index + 1 })}
                    disabled={full}
                    aria-expanded={choosingLab?.at === index + 1}
                    aria-label={`Insert a lab after step ${index + 1}`}
                  >
                    + Lab
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
                  {step.kind === 'lab' ? (
                    <LabStepPreview step={step} catalog={catalog} />
                  ) : (
                    <StepView step={{ ...step, title: step.title || 'Untitled step', imageUrl: step.imageUrl?.trim() || undefined }} />
                  )}
                </div>
              ) : step.kind === 'lab' ? (
                <div className="mt-4">
                  <LabStepEditor step={step} onChange={(patch) => update(step.id, patch)} errors={e} catalog={catalog} />
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
                      Text <span className="font-normal text-slate-500">(Markdown: **bold**, *italic*, lists, tables, `code`, math as $x^2$ or $$…$$)</span>
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
                  <details className="text-sm">
                    <summary className="cursor-pointer font-semibold text-slate-800">Or one of your uploaded images</summary>
                    <div className="mt-2">
                      <ImageLibrary chosenHash={step.imageUrl?.split('/').pop()} onPick={(image) => update(step.id, { imageUrl: image.url })} />
                    </div>
                  </details>
                </div>
              )}
            </li>
          );
        })}
      </ol>
      <div className="grid gap-3 sm:grid-cols-2">
        <button type="button" className="btn btn-secondary border-dashed py-3" onClick={() => insert(blankStep(), 'a slide')} disabled={full}>
          <span aria-hidden="true">+</span> Add slide
        </button>
        <button
          type="button"
          className="btn btn-secondary border-dashed py-3"
          onClick={() => setChoosingLab(choosingLab?.at === steps.length ? null : { at: steps.length })}
          aria-expanded={choosingLab?.at === steps.length}
          aria-controls="lab-chooser"
          disabled={full}
        >
          <span aria-hidden="true">+</span> Add lab…
        </button>
      </div>
      {removed ? (
        <p className="flex flex-wrap items-center gap-3 rounded-lg border border-slate-200 bg-slate-50 px-4 py-2 text-sm text-slate-700">
          Removed “{removed.step.title || 'an untitled step'}”.
          <button id="undo-remove" type="button" className="font-semibold text-brand-700 underline" onClick={undoRemove}>
            Undo
          </button>
        </p>
      ) : null}
      {choosingLab ? (
        <section id="lab-chooser" aria-label="Choose a lab" className="card p-4">
          <h3 className="text-sm font-bold text-slate-900">
            Choose a lab {choosingLab.at < steps.length ? `(it goes in as step ${choosingLab.at + 1})` : ''}
          </h3>
          <ul className="mt-3 grid gap-3 sm:grid-cols-3">
            {LABS.map((lab) => (
              <li key={lab.id}>
                <button
                  type="button"
                  className="h-full w-full rounded-xl border border-slate-200 p-3 text-left hover:border-brand-500 hover:bg-brand-50"
                  onClick={() => addLab(lab)}
                >
                  <span className="block font-semibold text-slate-900">{lab.title}</span>
                  <span className="mt-1 block text-sm text-slate-600">{lab.summary}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
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
      <FieldNotes id={id} error={error} />
    </div>
  );
}
