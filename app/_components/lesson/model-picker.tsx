'use client';

import { modelMisfit, modelUnsuitability, type LabDefinition } from '@convlab/labs';
import type { InstalledModel } from '@convlab/protocol';
import { Field } from './field';

const LAPTOP_WORDS = { fast: 'fast on a laptop', medium: 'medium on a laptop', slow: 'slow on a laptop' } as const;

/** "fast on a laptop · 40 ms per image on the server": the model's speed class in words. */
export function describeSpeed(m: InstalledModel): string | null {
  if (!m.speed) return null;
  const server = m.speed.serverMs === null ? 'server time being measured' : `${m.speed.serverMs < 10 ? m.speed.serverMs.toFixed(1) : Math.round(m.speed.serverMs)} ms per image on the server`;
  return `${LAPTOP_WORDS[m.speed.laptop]} · ${server}`;
}

/** "SqueezeNet 1.1 — 224×224, 1000 classes, fast on a laptop, 41 ms on the server" (", uploaded", ", server only" where they apply). */
export function describeModel(m: InstalledModel): string {
  const server = m.speed?.serverMs != null ? `${Math.max(1, Math.round(m.speed.serverMs))} ms on the server` : null;
  const notes = [m.source === 'upload' ? 'uploaded' : null, m.serverOnly ? 'server only' : null, m.speed ? LAPTOP_WORDS[m.speed.laptop] : null, server].filter(Boolean);
  return `${m.displayName} — ${m.inputSize[0]}×${m.inputSize[1]}, ${m.numClasses} classes${notes.map((n) => `, ${n}`).join('')}`;
}

/**
 * Chooses one of the models installed on this server for `lab`: models that cannot serve it (a quantized model where
 * gradients are needed, one without a first convolution for the filters) are marked with their reason and cannot be
 * chosen; a step naming a missing or unsuitable model says why.
 */
export function ModelPicker({
  lab,
  value,
  onChange,
  models,
  error,
}: {
  lab: LabDefinition;
  value: unknown;
  onChange: (id: string) => void;
  models: InstalledModel[] | null;
  error?: string;
}) {
  const current = typeof value === 'string' ? value : '';
  const chosen = models?.find((m) => m.id === current);
  const missing = models !== null && current !== '' && !chosen;
  const unsuitable = chosen ? modelUnsuitability(lab, chosen) : null;
  const problem = error ?? unsuitable ?? (missing ? `"${current}" is not installed on this server; students' labs will fail to load it.` : undefined);
  return (
    <Field label="Model" error={problem} hint={models?.length === 0 ? 'No model is installed on this server (see CONVLAB_MODELS_DIR).' : chosen ? <SpeedHint model={chosen} /> : undefined}>
      {(control) => (
        <select {...control} className="field-input" value={current} onChange={(e) => onChange(e.target.value)} disabled={models === null}>
          {models === null ? <option value={current}>Loading models…</option> : null}
          {current === '' ? <option value="">Choose a model…</option> : null}
          {missing ? <option value={current}>{current} (not installed)</option> : null}
          {models?.map((m) => {
            const why = modelMisfit(lab, m);
            return (
              <option key={m.id} value={m.id} disabled={why !== null && m.id !== current} title={why?.message}>
                {describeModel(m)}
                {why ? ` — not for this lab: ${why.words}` : ''}
              </option>
            );
          })}
        </select>
      )}
    </Field>
  );
}

/** The chosen model's speed, and how it was measured. */
function SpeedHint({ model }: { model: InstalledModel }) {
  const words = describeSpeed(model);
  if (!words || !model.speed) return null;
  return (
    <span title={`Laptop class from the model's size: ${model.speed.gflops} GFLOPs per image (up to 1 fast, up to 4 medium, more slow). Server time: one image's forward pass, median of 5 after a warm-up${model.speed.backend ? `, on ${model.speed.backend}` : ''}.`}>
      Speed: {words} ({model.speed.gflops} GFLOPs per image).
    </span>
  );
}
