'use client';

import { MAX_PATCH_CHANNELS } from '@convlab/labs';
import { catalogModel } from '../../_lib/use-lesson-catalog';
import { CheckboxSet, Field } from './field';
import { LayerSelect, layerLabel } from './layer-select';
import { ModelPicker } from './model-picker';
import { FitNote, NumberParam, ParamGroup, type ParamFormProps } from './param-form';

/** "3, 17, 200" → [3, 17, 200]; anything that is not a whole number is dropped. */
function parseChannels(text: string): number[] {
  return text.split(/[\s,;]+/).filter(Boolean).map(Number).filter((n) => Number.isInteger(n) && n >= 0);
}

/** Maximally activating patches: model, the layers offered and the one searched, its channels, the image set, shards. */
export function MaxPatchesForm(form: ParamFormProps) {
  const { params, set, update, errors, catalog, notes } = form;
  const model = catalogModel(catalog, params.model);
  const layers = Array.isArray(params.layers) ? params.layers.filter((l): l is string => typeof l === 'string') : [];
  const channels = Array.isArray(params.channels) ? (params.channels as number[]) : [];
  const channelCount = model?.layers.find((l) => l.id === params.layer)?.shape[2];
  // The searched layer stays one of the offered ones.
  const setLayers = (next: string[]) => update({ layers: next, ...(next.length && !next.includes(params.layer as string) ? { layer: next.at(-1) } : {}) });
  return (
    <div className="space-y-4">
      <ModelPicker lab={form.lab} value={params.model} onChange={(v) => set('model', v)} models={catalog.models} error={errors.model} />
      {model ? (
        <CheckboxSet legend="Layers students may search" options={model.layers.map((l) => l.id)} chosen={layers} onChange={setLayers} mono labelOf={(id) => layerLabel(model, id)}>
          {errors.layers ? <p className="mt-2 text-sm font-medium text-red-700">{errors.layers}</p> : null}
          <FitNote text={notes.layers} />
        </CheckboxSet>
      ) : null}
      <LayerSelect label="Layer the class searches" value={params.layer} onChange={(v) => set('layer', v)} model={model} among={layers} error={errors.layer} note={notes.layer} />
      <div>
        <Field
          label="Channels searched (each gets its own grid)"
          hint={`Numbers separated by commas, at most ${MAX_PATCH_CHANNELS}${channelCount ? `; this layer has channels 0 to ${channelCount - 1}` : ''}.`}
          error={errors.channels}
        >
          {(control) => (
            <input
              {...control}
              className="field-input font-mono text-sm"
              defaultValue={channels.join(', ')}
              key={channels.join(',')}
              onBlur={(e) => set('channels', parseChannels(e.target.value))}
            />
          )}
        </Field>
        <FitNote text={notes.channels} />
      </div>
      <p className="text-sm text-slate-600">
        Image set: {params.images === 'imagenet-samples' || params.images === undefined ? 'the ImageNet samples of this server' : `${(params.images as unknown[]).length} chosen images`}.
      </p>
      <ParamGroup title="Searching together" columns={3}>
        <NumberParam form={form} name="imageCount" label="Images searched" />
        <NumberParam form={form} name="shardSize" label="Images per student" />
        <NumberParam form={form} name="shardTimeoutSeconds" label="Taken over after (s)" />
      </ParamGroup>
    </div>
  );
}
