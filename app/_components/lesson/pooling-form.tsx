'use client';

import type { ImageRef } from '@convlab/protocol';
import { catalogModel } from '../../_lib/use-lesson-catalog';
import { ImagePicker } from './image-picker';
import { LayerSelect } from './layer-select';
import { ModelPicker } from './model-picker';
import { EnumParam, NumberParam, ParamGroup, type ParamFormProps } from './param-form';

/** Pooling: the real feature map (model, photo, layer) and the pooling students start with. */
export function PoolingForm(form: ParamFormProps) {
  const { params, set, errors, catalog, notes } = form;
  return (
    <div className="space-y-4">
      <ModelPicker lab={form.lab} value={params.model} onChange={(v) => set('model', v)} models={catalog.models} error={errors.model} />
      <ImagePicker value={params.image} onChange={(v: ImageRef) => set('image', v)} samples={catalog.samples} error={errors.image} />
      <LayerSelect
        label="Layer whose strongest channel is pooled"
        value={params.layer}
        onChange={(v) => set('layer', v)}
        model={catalogModel(catalog, params.model)}
        error={errors.layer}
        note={notes.layer}
      />
      <ParamGroup title="Pooling students start with" columns={3}>
        <EnumParam form={form} name="op" label="Pooling" describe={(v) => (v === 'max' ? 'Max' : 'Average')} />
        <NumberParam form={form} name="size" label="Window (px)" />
        <NumberParam form={form} name="stride" label="Stride (px)" />
      </ParamGroup>
      <label className="inline-flex items-center gap-2 text-sm">
        <input type="checkbox" checked={params.quiz !== false} onChange={(e) => set('quiz', e.target.checked)} />
        Offer the quiz (each student pools a value of their own grid by hand; the server checks it)
      </label>
    </div>
  );
}
