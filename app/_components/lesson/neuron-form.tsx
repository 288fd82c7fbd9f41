'use client';

import { NEURON_METHODS, type NeuronPick } from '@convlab/labs';
import type { ImageRef } from '@convlab/protocol';
import { useId } from 'react';
import { ClassPicker } from './class-picker';
import { CheckboxSet, Field, NumberField } from './field';
import { ImagePicker } from './image-picker';
import { ModelPicker } from './model-picker';
import { FitNote, NumberParam, ParamGroup, type ParamFormProps } from './param-form';
import { catalogClasses, catalogModel } from '../../_lib/use-lesson-catalog';

const METHOD_NAMES: Record<string, string> = {
  vanilla: 'Gradient',
  guided: 'Guided backprop',
  deconvnet: 'Deconvnet',
  smoothgrad: 'SmoothGrad',
  'gradient-x-input': 'Gradient × input',
};

const PICK_KINDS = [
  { kind: 'neuron', label: 'A neuron (channel at a position)' },
  { kind: 'channel', label: "A channel's mean" },
  { kind: 'class', label: 'An output class' },
] as const;

const INDEX = { min: 0, minExclusive: false, maxExclusive: false, int: true };

/** Neurons to pixels: model, image, the layers students pick from, the starting pick, methods shown. */
export function NeuronForm(form: ParamFormProps) {
  const id = useId();
  const { params, set, errors, catalog, notes } = form;
  // The chosen model's own layers (its metadata): the list students pick from is a choice among them.
  const modelLayers = catalogModel(catalog, params.model)?.layers ?? null;
  const layers = Array.isArray(params.layers) ? params.layers.filter((l): l is string => typeof l === 'string') : [];
  const pick = (params.pick ?? { kind: 'neuron', layer: layers.at(-1) ?? '', channel: 0 }) as NeuronPick;
  const methods = Array.isArray(params.methods) ? (params.methods as string[]) : [];
  const setPick = (next: Partial<NeuronPick> & { kind: NeuronPick['kind'] }) => set('pick', next);

  const changeKind = (kind: NeuronPick['kind']) => {
    const layer = pick.kind !== 'class' ? pick.layer : (layers.at(-1) ?? '');
    const channel = pick.kind !== 'class' ? pick.channel : 0;
    setPick(kind === 'class' ? { kind, index: 0 } : { kind, layer, channel });
  };

  return (
    <div className="space-y-4">
      <ModelPicker lab={form.lab} value={params.model} onChange={(v) => set('model', v)} models={catalog.models} error={errors.model} />
      <ImagePicker value={params.image} onChange={(v: ImageRef) => set('image', v)} samples={catalog.samples} error={errors.image} />
      {modelLayers && modelLayers.length ? (
        <CheckboxSet
          legend="Layers students may pick from"
          options={modelLayers.map((l) => l.id)}
          chosen={layers}
          onChange={(next) => set('layers', next)}
          mono
          labelOf={(id) => {
            const shape = modelLayers.find((l) => l.id === id)?.shape;
            return shape ? `${id} (${shape[0]}×${shape[1]}×${shape[2]})` : id;
          }}
        >
          <p className="mt-2 text-xs text-slate-500">
            In network order; the model&apos;s feature maps (height × width × channels).{' '}
            <button type="button" className="text-brand-700 underline" onClick={() => set('layers', modelLayers.map((l) => l.id))}>
              All of them
            </button>
          </p>
          {errors.layers ? <p className="mt-2 text-sm font-medium text-red-700">{errors.layers}</p> : null}
          <FitNote text={notes.layers} />
        </CheckboxSet>
      ) : (
        <Field label="Layers students may pick from (one per line, in network order)" error={errors.layers}>
          {(control) => (
            <textarea
              {...control}
              className="field-input font-mono text-sm"
              rows={4}
              value={layers.join('\n')}
              onChange={(e) => set('layers', e.target.value.split('\n').map((l) => l.trim()).filter((l, i, all) => l || i === all.length - 1))}
              onBlur={() => set('layers', layers.filter(Boolean))}
            />
          )}
        </Field>
      )}
      <ParamGroup title="The pick the step starts from">
        <div className="sm:col-span-2" role="radiogroup" aria-label="What is picked">
          <div className="flex flex-wrap gap-4 text-sm">
            {PICK_KINDS.map((k) => (
              <label key={k.kind} className="inline-flex items-center gap-2">
                <input type="radio" name={`${id}-pick`} checked={pick.kind === k.kind} onChange={() => changeKind(k.kind)} />
                {k.label}
              </label>
            ))}
          </div>
        </div>
        {pick.kind === 'class' ? (
          <div className="sm:col-span-2">
            <ClassPicker label="Class" value={pick.index} onChange={(v) => setPick({ ...pick, index: v ?? 0 })} classes={catalogClasses(catalog, params.model)} />
          </div>
        ) : (
          <>
            <Field label="Layer">
              {(control) => (
                <select {...control} className="field-input" value={pick.layer} onChange={(e) => setPick({ ...pick, layer: e.target.value })}>
                  {layers.includes(pick.layer) ? null : <option value={pick.layer}>{pick.layer || 'Choose a layer…'}</option>}
                  {layers.filter(Boolean).map((l) => (
                    <option key={l} value={l}>
                      {l}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <NumberField label="Channel" value={pick.channel} spec={INDEX} onChange={(v) => setPick({ ...pick, channel: v ?? 0 })} />
            {pick.kind === 'neuron' ? (
              <>
                <NumberField
                  label="Row y (optional)"
                  hint="empty: the channel's strongest position"
                  value={pick.y}
                  spec={INDEX}
                  onChange={(y) => setPick({ ...pick, y })}
                />
                <NumberField label="Column x (optional)" value={pick.x} spec={INDEX} onChange={(x) => setPick({ ...pick, x })} />
              </>
            ) : null}
          </>
        )}
        {errors.pick ? <p className="text-sm font-medium text-red-700 sm:col-span-2">Pick: {errors.pick}</p> : null}
        <div className="sm:col-span-2">
          <FitNote text={notes.pick} />
        </div>
      </ParamGroup>
      <CheckboxSet legend="Images shown side by side" options={NEURON_METHODS} chosen={methods} onChange={(next) => set('methods', next)} labelOf={(m) => METHOD_NAMES[m] ?? m}>
        {errors.methods ? <p className="mt-2 text-sm font-medium text-red-700">{errors.methods}</p> : null}
      </CheckboxSet>
      <NumberParam form={form} name="topChannels" label="Strongest channels offered per layer" />
    </div>
  );
}
