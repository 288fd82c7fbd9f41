'use client';

import type { InstalledModel } from '@convlab/protocol';
import { Field } from './field';

/** "SqueezeNet 1.1 — 224×224 input, 1000 classes" (", uploaded", ", server only" where they apply). */
export function describeModel(m: InstalledModel): string {
  const notes = [m.source === 'upload' ? 'uploaded' : null, m.serverOnly ? 'server only' : null].filter(Boolean);
  return `${m.displayName} — ${m.inputSize[0]}×${m.inputSize[1]} input, ${m.numClasses} classes${notes.map((n) => `, ${n}`).join('')}`;
}

/** Chooses one of the models installed on this server; a step naming another model says so. */
export function ModelPicker({
  value,
  onChange,
  models,
  error,
}: {
  value: unknown;
  onChange: (id: string) => void;
  models: InstalledModel[] | null;
  error?: string;
}) {
  const current = typeof value === 'string' ? value : '';
  const missing = models !== null && current !== '' && !models.some((m) => m.id === current);
  const problem = error ?? (missing ? `"${current}" is not installed on this server; students' labs will fail to load it.` : undefined);
  return (
    <Field label="Model" error={problem} hint={models?.length === 0 ? 'No model is installed on this server (see CONVLAB_MODELS_DIR).' : undefined}>
      {(control) => (
        <select {...control} className="field-input" value={current} onChange={(e) => onChange(e.target.value)} disabled={models === null}>
          {models === null ? <option value={current}>Loading models…</option> : null}
          {current === '' ? <option value="">Choose a model…</option> : null}
          {missing ? <option value={current}>{current} (not installed)</option> : null}
          {models?.map((m) => (
            <option key={m.id} value={m.id}>
              {describeModel(m)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}
