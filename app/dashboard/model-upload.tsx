'use client';

import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { MODEL_UPLOAD, TORCHVISION_PREPROCESSING, type InstalledModel, type ModelUploadSettings } from '@convlab/protocol';
import { Alert } from '../_components/alert';
import { Field } from '../_components/form-field';
import { api } from '../_lib/api-client';
import { forgetModelCatalog } from '../_lib/use-lesson-catalog';

const CHANNELS = ['R', 'G', 'B'] as const;
type Triple = [string, string, string];

/** "resnet18_imagenet.onnx" → "resnet18 imagenet". */
function nameFromFile(file: string): string {
  return file.replace(/\.onnx$/i, '').replace(/[_-]+/g, ' ').trim().slice(0, 80);
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const text = (t: readonly number[]) => t.map(String) as Triple;

/** The numbers of a preprocessing form, or the first one that is not a number. */
function readPreprocessing(divisor: string, mean: Triple, std: Triple, channelOrder: 'RGB' | 'BGR'): ModelUploadSettings['preprocessing'] | string {
  const d = Number(divisor);
  if (!(d > 0)) return 'The pixel divisor must be a positive number (255 for torchvision).';
  const m = mean.map(Number);
  const s = std.map(Number);
  if (m.some((v, i) => mean[i]!.trim() === '' || !Number.isFinite(v))) return 'Each mean must be a number.';
  if (s.some((v) => !(v > 0))) return 'Each standard deviation must be a positive number.';
  return { scale: 1 / d, mean: m as [number, number, number], std: s as [number, number, number], channelOrder };
}

/**
 * The instructor's own models: upload an ONNX classifier exported from PyTorch (torchvision's preprocessing and the
 * ImageNet classes by default; a label file for other class counts), then pick it in any lab's model list.
 */
export function ModelUpload({ enabled }: { enabled: boolean }) {
  const [models, setModels] = useState<InstalledModel[] | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [divisor, setDivisor] = useState('255');
  const [mean, setMean] = useState<Triple>(text(TORCHVISION_PREPROCESSING.mean));
  const [std, setStd] = useState<Triple>(text(TORCHVISION_PREPROCESSING.std));
  const [channelOrder, setChannelOrder] = useState<'RGB' | 'BGR'>('RGB');
  const [labelsKind, setLabelsKind] = useState<'imagenet' | 'file'>('imagenet');
  const [labelFile, setLabelFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const load = useCallback(() => {
    api
      .listModels()
      .then((res) => setModels(res.models.filter((m) => m.source === 'upload')))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : 'Could not load the models.'));
  }, []);
  useEffect(() => {
    if (enabled) load();
  }, [enabled, load]);

  function resetPreprocessing() {
    setDivisor('255');
    setMean(text(TORCHVISION_PREPROCESSING.mean));
    setStd(text(TORCHVISION_PREPROCESSING.std));
    setChannelOrder('RGB');
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setDone(null);
    if (!file) return setError('Choose an .onnx file first.');
    if (labelsKind === 'file' && !labelFile) return setError('Choose a label file (one class name per line), or use the ImageNet classes.');
    const preprocessing = readPreprocessing(divisor, mean, std, channelOrder);
    if (typeof preprocessing === 'string') return setError(preprocessing);
    const form = new FormData();
    form.set(MODEL_UPLOAD.file, file, file.name);
    form.set(MODEL_UPLOAD.settings, JSON.stringify({ displayName: name.trim() || nameFromFile(file.name), preprocessing } satisfies ModelUploadSettings));
    if (labelsKind === 'file' && labelFile) form.set(MODEL_UPLOAD.labels, labelFile, labelFile.name);
    setBusy(true);
    try {
      const { model, created } = await api.uploadModel(form);
      forgetModelCatalog();
      setDone(
        `${model.displayName} is ${created ? 'ready' : 'already here'}: ${model.inputSize[0]}×${model.inputSize[1]} input, ${model.numClasses} classes. Pick it in any lab's Model list.` +
          (model.serverOnly ? ` At ${megabytes(model.sizeBytes)} it is too large for laptops, so the class server computes it.` : ''),
      );
      setFile(null);
      setName('');
      (e.target as HTMLFormElement).reset();
      load();
    } catch (err) {
      setError(err instanceof Error ? err.message : 'The upload failed.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="your-models" className="mt-10">
      <h2 id="your-models" className="text-xl font-bold text-slate-900">
        Your models
      </h2>
      <p className="mt-1 text-sm text-slate-600">
        Bring a network from PyTorch: <code className="rounded bg-slate-100 px-1">torch.onnx.export</code> of a torchvision classifier (float32, opset 13–18,
        weights inside the file). ConvLab checks that it can run it before it joins the model lists.
      </p>
      {models && models.length > 0 ? (
        <ul className="card mt-4 divide-y divide-slate-100" aria-label="Uploaded models">
          {models.map((m) => (
            <li key={m.id} className="flex flex-wrap items-center justify-between gap-2 px-5 py-3 text-sm">
              <span className="font-semibold text-slate-900">{m.displayName}</span>
              <span className="flex flex-wrap items-center gap-2 text-slate-600">
                {m.inputSize[0]}×{m.inputSize[1]} · {m.numClasses} classes · {megabytes(m.sizeBytes)}
                {m.serverOnly ? <span className="badge bg-amber-100 text-amber-900">server only</span> : null}
                <DeleteModel
                  model={m}
                  onDeleted={() => {
                    forgetModelCatalog();
                    setError(null);
                    setDone(`${m.displayName} is deleted.`);
                    load();
                  }}
                  onError={(message) => {
                    setDone(null);
                    setError(message);
                  }}
                />
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      <form onSubmit={submit} className="card mt-4 space-y-5 p-5" aria-label="Upload an ONNX model">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="ONNX file" hint="At most the server's upload limit (250 MB unless configured).">
            {(control) => (
              <input
                {...control}
                type="file"
                accept=".onnx"
                className="field-input"
                disabled={!enabled || busy}
                onChange={(e) => {
                  const f = e.target.files?.[0] ?? null;
                  setFile(f);
                  if (f && !name) setName(nameFromFile(f.name));
                }}
              />
            )}
          </Field>
          <Field label="Name in the model lists">
            {(control) => <input {...control} className="field-input" value={name} maxLength={80} onChange={(e) => setName(e.target.value)} placeholder="ResNet-18" />}
          </Field>
        </div>

        <fieldset>
          <legend className="field-label">Preprocessing: x = (pixel / divisor − mean) / std</legend>
          <div className="mt-1 grid gap-3 sm:grid-cols-[8rem_1fr_1fr_8rem]">
            <Field label="Divisor">
              {(control) => <input {...control} className="field-input" inputMode="decimal" value={divisor} onChange={(e) => setDivisor(e.target.value)} />}
            </Field>
            {([['Mean', mean, setMean], ['Std', std, setStd]] as const).map(([label, values, set]) => (
              <div key={label} className="grid grid-cols-3 gap-2">
                {CHANNELS.map((c, i) => (
                  <Field key={c} label={`${label} ${c}`}>
                    {(control) => (
                      <input
                        {...control}
                        className="field-input"
                        inputMode="decimal"
                        value={values[i]}
                        onChange={(e) => set(values.map((v, j) => (j === i ? e.target.value : v)) as Triple)}
                      />
                    )}
                  </Field>
                ))}
              </div>
            ))}
            <Field label="Channels">
              {(control) => (
                <select {...control} className="field-input" value={channelOrder} onChange={(e) => setChannelOrder(e.target.value as 'RGB' | 'BGR')}>
                  <option value="RGB">RGB</option>
                  <option value="BGR">BGR</option>
                </select>
              )}
            </Field>
          </div>
          <button type="button" className="btn btn-secondary mt-3 text-sm" onClick={resetPreprocessing}>
            Reset to torchvision's defaults
          </button>
        </fieldset>

        <fieldset>
          <legend className="field-label">Classes</legend>
          <div className="mt-1 flex flex-wrap items-center gap-x-6 gap-y-2 text-sm text-slate-800">
            <label className="flex items-center gap-2">
              <input type="radio" name="labels" checked={labelsKind === 'imagenet'} onChange={() => setLabelsKind('imagenet')} />
              ImageNet, 1000 classes
            </label>
            <label className="flex items-center gap-2">
              <input type="radio" name="labels" checked={labelsKind === 'file'} onChange={() => setLabelsKind('file')} />
              A label file, one class name per line
            </label>
            {labelsKind === 'file' ? (
              <input type="file" accept=".txt,text/plain" aria-label="Label file" className="field-input max-w-xs" onChange={(e) => setLabelFile(e.target.files?.[0] ?? null)} />
            ) : null}
          </div>
        </fieldset>

        {error ? <Alert title="That did not work">{error}</Alert> : null}
        {done ? <Alert tone="success">{done}</Alert> : null}
        <button type="submit" className="btn btn-primary" disabled={!enabled || busy || !file}>
          {busy ? 'Uploading and checking…' : 'Upload model'}
        </button>
      </form>
    </section>
  );
}

/**
 * Delete… on an uploaded model: first says what goes (the file, and the model in every lab's list), then asks again.
 * The server refuses, saying why, when the model is someone else's or a live session or an open assignment uses it.
 */
function DeleteModel({ model, onDeleted, onError }: { model: InstalledModel; onDeleted: () => void; onError: (message: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);

  async function remove() {
    setBusy(true);
    try {
      await api.deleteModel(model.id);
      onDeleted();
    } catch (err) {
      onError(err instanceof Error ? err.message : 'The model was not deleted.');
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  if (!confirming) {
    return (
      <button type="button" className="btn btn-ghost px-2 py-1 text-red-700 hover:bg-red-50" onClick={() => setConfirming(true)} aria-label={`Delete model “${model.displayName}”`}>
        Delete…
      </button>
    );
  }
  return (
    <div role="alertdialog" aria-label="Delete the model?" className="basis-full rounded-lg border border-red-200 bg-red-50 p-3 text-sm text-red-900">
      <p>
        Delete “{model.displayName}” ({megabytes(model.sizeBytes)})? Its file leaves this server and it disappears from every lab&apos;s Model list; lessons
        that pick it will need another model. This cannot be undone.
      </p>
      <div className="mt-2 flex gap-2">
        <button type="button" className="btn btn-danger px-3 py-1" autoFocus disabled={busy} onClick={remove}>
          Delete for good
        </button>
        <button type="button" className="btn btn-secondary px-3 py-1" onClick={() => setConfirming(false)}>
          Keep it
        </button>
      </div>
    </div>
  );
}
