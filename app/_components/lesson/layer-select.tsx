'use client';

import type { InstalledModel } from '@convlab/protocol';
import { Field } from './field';
import { FitNote } from './param-form';

/** "fire9_concat (13×13×512)". */
export function layerLabel(model: InstalledModel | undefined, id: string): string {
  const shape = model?.layers.find((l) => l.id === id)?.shape;
  return shape ? `${id} (${shape[0]}×${shape[1]}×${shape[2]})` : id;
}

/**
 * One layer of the chosen model (its metadata's layers, or `among` them), with its map's size; a value the model lacks
 * stays visible as such until it is changed.
 */
export function LayerSelect({
  label,
  value,
  onChange,
  model,
  among,
  error,
  note,
}: {
  label: string;
  value: unknown;
  onChange: (id: string) => void;
  model: InstalledModel | undefined;
  among?: readonly string[];
  error?: string;
  note?: string;
}) {
  const current = typeof value === 'string' ? value : '';
  const ids = among ?? model?.layers.map((l) => l.id) ?? [];
  return (
    <div>
      <Field label={label} error={error} hint={model ? undefined : 'Choose a model first: its layers are listed here.'}>
        {(control) => (
          <select {...control} className="field-input font-mono text-sm" value={current} onChange={(e) => onChange(e.target.value)}>
            {ids.includes(current) ? null : <option value={current}>{current ? `${current} (not in this model)` : 'Choose a layer…'}</option>}
            {ids.map((id) => (
              <option key={id} value={id}>
                {layerLabel(model, id)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <FitNote text={note} />
    </div>
  );
}
