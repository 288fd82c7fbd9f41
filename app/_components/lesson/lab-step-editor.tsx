'use client';

import { applyPreset, fitParamsToModel, modelFitSentence, paramLabel, requireLab, staleInstructionsNote, type LabDefinition } from '@convlab/labs';
import type { LabStep } from '@convlab/protocol';
import { useState } from 'react';
import { PLAN_LIMITS, type StepErrors } from '../../_lib/lesson-plan';
import { catalogModel, type LessonCatalog } from '../../_lib/use-lesson-catalog';
import { CheckboxSet, Field } from './field';
import { FitNote, type ParamFormProps } from './param-form';
import { PARAM_FORMS } from './param-forms';

/** The editor of one lab step: title, instructions, presets, the lab's parameters and the students' controls. */
export function LabStepEditor({
  step,
  onChange,
  errors,
  catalog,
}: {
  step: LabStep;
  onChange: (patch: Partial<LabStep>) => void;
  errors: StepErrors;
  catalog: LessonCatalog;
}) {
  const lab = requireLab(step.labId);
  const params = step.params as Record<string, unknown>;
  // What the last change of model changed (or kept), by parameter: shown next to each field until the next change.
  const [fit, setFit] = useState<{ model: string; notes: Record<string, string> } | null>(null);
  const update = (patch: Record<string, unknown>) => {
    let next = { ...params, ...patch };
    const to = 'model' in patch && patch.model !== params.model ? catalogModel(catalog, patch.model) : undefined;
    if (to) {
      // Another model: its layers, channels and classes replace those it lacks, and the editor says so.
      const prev = catalogModel(catalog, params.model) ?? { id: String(params.model ?? ''), displayName: String(params.model ?? 'the previous model') };
      const fitted = fitParamsToModel(lab, next, to, { prev, className: (i) => catalog.classes?.[i]?.name });
      next = fitted.params;
      const notes: Record<string, string> = {};
      for (const note of fitted.notes) notes[note.param] = [notes[note.param], modelFitSentence(note)].filter(Boolean).join(' ');
      // Instructions written by hand may still name the old model's layers ("fire9_concat").
      const stale = staleInstructionsNote(step.markdown, catalogModel(catalog, params.model), to);
      if (stale) notes.markdown = stale;
      setFit({ model: to.id, notes });
    }
    onChange({ params: next as LabStep['params'] });
  };
  const notes = fit && fit.model === params.model ? fit.notes : {};
  const form: ParamFormProps = { lab, params, set: (name, value) => update({ [name]: value }), update, errors: errors.params ?? {}, notes, catalog };
  const Form = PARAM_FORMS[lab.id] ?? JsonParamsForm;
  const presets = Object.entries(lab.presets);
  return (
    <div className="grid gap-4">
      <p className="text-sm text-slate-600">
        <span className="badge mr-2 bg-violet-100 text-violet-800">Lab · {lab.title}</span>
        {lab.summary}
      </p>
      <Field id={`${step.id}-title`} label="Title" error={errors.title}>
        {(control) => (
          <input {...control} className="field-input" value={step.title} maxLength={PLAN_LIMITS.stepTitle} onChange={(e) => onChange({ title: e.target.value })} />
        )}
      </Field>
      <Field
        label={<>Instructions <span className="font-normal text-slate-500">(Markdown, shown above the lab)</span></>}
        hint={`Write {{window}}, {{fill}}, {{class}}, {{classes}}, {{image}} or {{layer}} (any setting by name) and students read the step's current value.`}
        error={errors.markdown}
      >
        {(control) => (
          <textarea {...control} className="field-input min-h-24 font-mono text-sm" rows={4} value={step.markdown} onChange={(e) => onChange({ markdown: e.target.value })} />
        )}
      </Field>
      <FitNote text={notes.markdown} />
      {presets.length ? (
        <div role="group" aria-label="Presets" className="flex flex-wrap items-center gap-2">
          <span className="text-sm font-semibold text-slate-800">Presets:</span>
          {presets.map(([name, preset]) => (
            <button
              key={name}
              type="button"
              className="btn btn-secondary px-3 py-1"
              title={preset.description}
              onClick={() => onChange({ params: applyPreset(lab.id, params, name) as LabStep['params'] })}
            >
              {preset.title}
            </button>
          ))}
        </div>
      ) : null}
      <Form {...form} />
      <StudentControls lab={lab} step={step} onChange={(studentControls) => onChange({ studentControls })} />
      {/* The lab's whole message only when no field shows the problem next to it. */}
      {errors.lab && !Object.keys(errors.params ?? {}).length ? (
        <p className="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm font-medium text-red-800">
          {/* Inside the step's own card, the step id the server's wording starts with says nothing. */}
          {errors.lab.replace(/^step "[^"]*": /, '')}
        </p>
      ) : null}
    </div>
  );
}

/** Checkboxes of the lab's parameters: which ones students may change during the step. */
function StudentControls({ lab, step, onChange }: { lab: LabDefinition; step: LabStep; onChange: (controls: string[]) => void }) {
  // Only what the lab's student panel has controls for (the server refuses anything else).
  const offered = lab.studentControls;
  const chosen = step.studentControls ?? [...offered];
  const isDefault = chosen.length === offered.length && chosen.every((c) => offered.includes(c));
  return (
    <CheckboxSet legend="Students may change" options={offered} chosen={chosen} onChange={onChange} labelOf={(name) => paramLabel(lab, name)}>
      <p className="mt-2 text-xs text-slate-500">
        {offered.length === 0 ? 'Students run this lab as you set it.' : isDefault ? 'Everything the student panel offers.' : (
          <button type="button" className="text-brand-700 underline" onClick={() => onChange([...offered])}>
            Let students change everything the panel offers again
          </button>
        )}
      </p>
    </CheckboxSet>
  );
}

/** Fallback for a lab added before its form (no lab of the registry; param-forms.test.ts): its parameters as JSON, checked as typed. */
function JsonParamsForm({ params, update, errors }: ParamFormProps) {
  const [text, setText] = useState(() => JSON.stringify(params, null, 2));
  const [parseError, setParseError] = useState<string | null>(null);
  const problems = Object.entries(errors).map(([k, v]) => `${k}: ${v}`).join('; ');
  return (
    <Field label="Parameters (JSON)" error={parseError ?? (problems || undefined)}>
      {(control) => (
        <textarea
          {...control}
          className="field-input font-mono text-sm"
          rows={8}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            try {
              const next = JSON.parse(e.target.value) as Record<string, unknown>;
              setParseError(null);
              // Keys removed from the JSON are removed from the step.
              update({ ...Object.fromEntries(Object.keys(params).map((k) => [k, undefined])), ...next });
            } catch {
              setParseError('Not valid JSON yet.');
            }
          }}
        />
      )}
    </Field>
  );
}
