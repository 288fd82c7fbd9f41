'use client';

import { modelUnsuitability, paramLabel, type LabDefinition } from '@convlab/labs';
import type { ImageRef, InstalledModel } from '@convlab/protocol';
import { useState } from 'react';
import { listSpec } from '../../_lib/lab-params';
import { moveItem } from '../../_lib/lesson-plan';
import { Field } from './field';
import { ImagePicker } from './image-picker';
import { describeModel } from './model-picker';
import { EnumParam, ParamGroup, type ParamFormProps } from './param-form';

const SCALES: Record<string, string> = { 'per-filter': 'Each tile on its own scale', global: 'All tiles on one scale (compare strengths)' };
const SORTS: Record<string, string> = { index: 'By index', norm: 'By norm (strongest first)', colour: 'By colour' };

/** First-layer filters: the models shown (the first two side by side), the photo for response maps, scale and order. */
export function FiltersForm(form: ParamFormProps) {
  const { lab, params, set, errors, catalog } = form;
  const models = Array.isArray(params.models) ? params.models.filter((m): m is string => typeof m === 'string') : [];
  return (
    <div className="space-y-4">
      <ModelList lab={lab} value={models} onChange={(next) => set('models', next)} installed={catalog.models} error={errors.models} />
      <ImagePicker value={params.image} onChange={(v: ImageRef) => set('image', v)} samples={catalog.samples} error={errors.image} />
      <ParamGroup title="How the tiles start">
        <EnumParam form={form} name="normalize" describe={(v) => SCALES[v] ?? v} />
        <EnumParam form={form} name="sort" describe={(v) => SORTS[v] ?? v} />
      </ParamGroup>
    </div>
  );
}

/**
 * An ordered list of installed models, each with Up and Remove, and a select to add one: only models this lab can
 * show (a model without first-layer filters is listed, disabled, with the reason).
 */
function ModelList({
  lab,
  value,
  onChange,
  installed,
  error,
}: {
  lab: LabDefinition;
  value: string[];
  onChange: (ids: string[]) => void;
  installed: InstalledModel[] | null;
  error?: string;
}) {
  const [next, setNext] = useState('');
  const { min = 1, max = Infinity } = listSpec(lab, 'models');
  const label = paramLabel(lab, 'models');
  const find = (id: string) => installed?.find((m) => m.id === id);
  const problemOf = (id: string): string | null => {
    const m = find(id);
    if (installed && !m) return 'not installed on this server: students will not see it';
    return m ? modelUnsuitability(lab, m) : null;
  };
  const addable = (installed ?? []).filter((m) => !value.includes(m.id));
  const add = () => {
    if (!next || value.includes(next) || value.length >= max) return;
    onChange([...value, next]);
    setNext('');
  };
  return (
    <fieldset className="rounded-xl border border-slate-200 p-4">
      <legend className="px-1 text-sm font-semibold text-slate-800">{label}</legend>
      <p className="mb-2 text-xs text-slate-500">The first two are side by side when the step starts; students can switch to the others. At most {max}.</p>
      {value.length ? (
        <ol className="space-y-2" aria-label={`${label}: ${value.length} chosen`}>
          {value.map((id, i) => {
            const m = find(id);
            const problem = problemOf(id);
            return (
              <li key={id} className="flex flex-wrap items-center gap-2 rounded-lg border border-slate-200 px-3 py-2 text-sm">
                <span className="min-w-0 flex-1">
                  <span className="font-medium text-slate-900">{m?.displayName ?? id}</span>
                  {m?.firstConv ? (
                    <span className="ml-2 text-slate-600">
                      {m.firstConv.filters} filters of {m.firstConv.kernelSize.join('×')}, stride {m.firstConv.stride[0]}
                    </span>
                  ) : null}
                  {i < 2 ? <span className="badge ml-2 bg-brand-50 text-brand-900">side by side</span> : null}
                  {problem ? <span className="block font-medium text-red-700">{problem}</span> : null}
                </span>
                <button type="button" className="btn btn-secondary px-2 py-1" disabled={i === 0} onClick={() => onChange(moveItem(value, i, i - 1))} aria-label={`Move ${m?.displayName ?? id} up`}>
                  ↑
                </button>
                <button
                  type="button"
                  className="btn btn-secondary px-2 py-1"
                  disabled={value.length <= min}
                  onClick={() => onChange(value.filter((v) => v !== id))}
                  aria-label={`Remove ${m?.displayName ?? id}`}
                >
                  ×
                </button>
              </li>
            );
          })}
        </ol>
      ) : (
        <p className="text-sm text-slate-500">No model chosen yet.</p>
      )}
      {error ? <p className="mt-2 text-sm font-medium text-red-700">{error}</p> : null}
      <div className="mt-3 grid gap-2 sm:grid-cols-[1fr_auto] sm:items-end">
        <Field label="Add a model" hint={installed?.length === 0 ? 'No model is installed on this server (see CONVLAB_MODELS_DIR).' : undefined}>
          {(control) => (
            <select {...control} className="field-input" value={next} onChange={(e) => setNext(e.target.value)} disabled={installed === null}>
              <option value="">{installed === null ? 'Loading models…' : addable.length ? 'Choose a model…' : 'Every installed model is chosen'}</option>
              {addable.map((m) => {
                const why = modelUnsuitability(lab, m);
                return (
                  <option key={m.id} value={m.id} disabled={why !== null} title={why ?? undefined}>
                    {describeModel(m)}
                    {why ? ' — no first-layer filters' : ''}
                  </option>
                );
              })}
            </select>
          )}
        </Field>
        <button type="button" className="btn btn-secondary" onClick={add} disabled={!next || value.length >= max}>
          Add {next ? (find(next)?.displayName ?? next) : 'model'}
        </button>
      </div>
    </fieldset>
  );
}
