'use client';

import { LambdaSweepSchema } from '@convlab/labs';
import { listSpec, numberSpec } from '../../_lib/lab-params';
import { ClassListPicker, classLabel } from './class-picker';
import { EnumField, Field, NumberField } from './field';
import { ModelPicker } from './model-picker';
import { FitNote, NumberParam, ParamGroup, type ParamFormProps } from './param-form';
import { catalogClasses } from '../../_lib/use-lesson-catalog';

const DEFAULT_SWEEP = { from: 0.0001, to: 0.1, count: 6, scale: 'log' };

/** Gradient ascent: model, the classes offered and the starting one, the optimizer's settings, a λ sweep. */
export function AscentForm(form: ParamFormProps) {
  const { params, set, errors, catalog, notes } = form;
  const modelClasses = catalogClasses(catalog, params.model);
  const classes = Array.isArray(params.classes) ? (params.classes as number[]) : [];
  const sweep = params.sweep as Record<string, unknown> | undefined;
  const maxClasses = listSpec(form.lab, 'classes').max ?? Infinity;
  // Keeps the starting class one of the offered ones.
  const setClasses = (next: number[]) =>
    form.update({ classes: next, ...(!next.includes(params.classIndex as number) && next.length ? { classIndex: next[0] } : {}) });
  const setSweep = (name: string, value: unknown) => set('sweep', { ...sweep, [name]: value });
  return (
    <div className="space-y-4">
      <ModelPicker lab={form.lab} value={params.model} onChange={(v) => set('model', v)} models={catalog.models} error={errors.model} />
      <ClassListPicker label="Classes offered (the grid's rows)" value={classes} onChange={setClasses} classes={modelClasses} error={errors.classes} max={maxClasses} />
      <FitNote text={notes.classes} />
      <Field label="Class the step starts with" error={errors.classIndex}>
        {(control) => (
          <select {...control} className="field-input" value={String(params.classIndex ?? '')} onChange={(e) => set('classIndex', Number(e.target.value))}>
            {classes.includes(params.classIndex as number) ? null : <option value="">Choose one of the classes…</option>}
            {classes.map((c) => (
              <option key={c} value={c}>
                {classLabel(modelClasses, c)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <FitNote text={notes.classIndex} />
      <ParamGroup title="Objective and optimizer" columns={3}>
        <NumberParam form={form} name="lambda" label="λ (L2 penalty)" />
        <NumberParam form={form} name="learningRate" label="Learning rate" />
        <NumberParam form={form} name="steps" label="Steps" />
        <NumberParam form={form} name="decay" label="Decay" />
        <NumberParam form={form} name="blurEvery" label="Blur every (steps)" />
        <NumberParam form={form} name="blurWidth" label="Blur σ (px)" />
        <NumberParam form={form} name="jitter" label="Jitter (px)" />
        <NumberParam form={form} name="seed" label="Random seed" />
      </ParamGroup>
      <fieldset className="rounded-xl border border-slate-200 p-4">
        <legend className="px-1 text-sm font-semibold text-slate-800">λ sweep</legend>
        <label className="inline-flex items-center gap-2 text-sm">
          <input type="checkbox" checked={sweep !== undefined} onChange={(e) => set('sweep', e.target.checked ? { ...DEFAULT_SWEEP } : undefined)} />
          Hand each student a different λ from a sweep
        </label>
        {sweep ? (
          <div className="mt-3 grid gap-4 sm:grid-cols-4">
            <NumberField label="From λ" value={sweep.from} spec={numberSpec(LambdaSweepSchema, 'from')} onChange={(v) => setSweep('from', v)} />
            <NumberField label="To λ" value={sweep.to} spec={numberSpec(LambdaSweepSchema, 'to')} onChange={(v) => setSweep('to', v)} />
            <NumberField label="Values" value={sweep.count} spec={numberSpec(LambdaSweepSchema, 'count')} onChange={(v) => setSweep('count', v)} />
            <EnumField label="Spacing" source={LambdaSweepSchema} name="scale" value={sweep.scale} onChange={(v) => setSweep('scale', v)} />
          </div>
        ) : null}
        {errors.sweep ? <p className="mt-2 text-sm font-medium text-red-700">Sweep: {errors.sweep}</p> : null}
      </fieldset>
    </div>
  );
}
