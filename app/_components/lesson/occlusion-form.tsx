'use client';

import type { ImageRef } from '@convlab/protocol';
import { ClassPicker } from './class-picker';
import { ImagePicker } from './image-picker';
import { ModelPicker } from './model-picker';
import { EnumParam, FitNote, NumberParam, ParamGroup, type ParamFormProps } from './param-form';
import { catalogClasses } from '../../_lib/use-lesson-catalog';

const FILLS: Record<string, string> = { zero: 'Black (zero)', grey: 'Grey', blur: 'Blurred', noise: 'Noise' };

/** Occlusion: model, image, target class, how masks are filled and drawn, and the class sweep's window. */
export function OcclusionForm(form: ParamFormProps) {
  const { params, set, errors, catalog, notes } = form;
  return (
    <div className="space-y-4">
      <ModelPicker lab={form.lab} value={params.model} onChange={(v) => set('model', v)} models={catalog.models} error={errors.model} />
      <ImagePicker value={params.image} onChange={(v: ImageRef) => set('image', v)} samples={catalog.samples} error={errors.image} />
      <ClassPicker
        label="Target class"
        value={params.classIndex}
        onChange={(v) => set('classIndex', v)}
        classes={catalogClasses(catalog, params.model)}
        error={errors.classIndex}
        noneLabel="(the model's top class for the image)"
      />
      <FitNote text={notes.classIndex} />
      <ParamGroup title="Masks students draw" columns={3}>
        <EnumParam form={form} name="fill" label="Fill" describe={(v) => FILLS[v] ?? v} />
        <NumberParam form={form} name="brushSize" label="Brush (px)" />
        <NumberParam form={form} name="maxMasks" label="Masks per submission" />
      </ParamGroup>
      <ParamGroup title="Sweep together (sliding window)">
        <NumberParam form={form} name="window" label="Window (px)" />
        <NumberParam form={form} name="stride" label="Stride (px)" />
        <NumberParam form={form} name="shardSize" label="Positions per student shard" />
        <NumberParam form={form} name="shardTimeoutSeconds" label="Shard timeout (s)" />
      </ParamGroup>
    </div>
  );
}
