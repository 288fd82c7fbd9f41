'use client';

import { API, IMAGE_UPLOAD_LIMITS, type ImageRef } from '@convlab/protocol';
import { useId, useMemo, useState } from 'react';
import { ImageLibrary } from './image-library';
import { api } from '../../_lib/api-client';
import { sampleLabel } from '../../_lib/use-lesson-catalog';
import { SearchableSelect } from './searchable-select';

/** Where an image reference is served from (for previews). */
export function imageRefUrl(ref: ImageRef): string {
  return ref.kind === 'sample' ? API.sample(ref.id) : API.image(ref.sha256);
}

function isImageRef(v: unknown): v is ImageRef {
  const r = v as ImageRef | undefined;
  return (r?.kind === 'sample' && typeof r.id === 'string') || (r?.kind === 'upload' && typeof r.sha256 === 'string');
}

const MB = 1024 * 1024;

/**
 * The image a lab works on: a built-in sample (searchable) or the instructor's own upload through
 * `POST /api/images` (JPEG, PNG or WebP; the server's refusal, e.g. too large, is shown as it words it).
 */
export function ImagePicker({
  value,
  onChange,
  samples,
  error,
}: {
  value: unknown;
  onChange: (ref: ImageRef) => void;
  samples: string[] | null;
  error?: string;
}) {
  const id = useId();
  const current = isImageRef(value) ? value : undefined;
  const [source, setSource] = useState<'sample' | 'upload'>(current?.kind ?? 'sample');
  const [status, setStatus] = useState('');
  const [uploadError, setUploadError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const options = useMemo(() => samples?.map((s) => ({ value: s, label: `${sampleLabel(s)} — ${s.split('/')[0]}`, keywords: s })) ?? null, [samples]);

  async function upload(file: File) {
    setUploadError(null);
    setBusy(true);
    setStatus(`Uploading ${file.name}…`);
    try {
      const { image } = await api.uploadImage(file);
      onChange({ kind: 'upload', sha256: image.hash });
      setStatus(`Uploaded ${file.name} (${image.width}×${image.height}).`);
    } catch (err) {
      setStatus('');
      setUploadError(err instanceof Error ? err.message : 'The upload failed.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <fieldset className="rounded-xl border border-slate-200 p-4">
      <legend className="px-1 text-sm font-semibold text-slate-800">Image</legend>
      <div className="grid gap-4 sm:grid-cols-[1fr_9rem]">
        <div className="space-y-3">
          <div className="flex gap-4 text-sm" role="radiogroup" aria-label="Image source">
            {(['sample', 'upload'] as const).map((s) => (
              <label key={s} className="inline-flex items-center gap-2">
                <input type="radio" name={`${id}-source`} checked={source === s} onChange={() => setSource(s)} />
                {s === 'sample' ? 'Built-in sample' : 'Upload your own'}
              </label>
            ))}
          </div>
          {source === 'sample' ? (
            <SearchableSelect
              label="Sample image"
              options={options}
              value={current?.kind === 'sample' ? current.id : null}
              onChange={(sampleId) => onChange({ kind: 'sample', id: sampleId })}
              placeholder="Filter, e.g. elephant"
              rows={5}
            />
          ) : (
            <div>
              <label htmlFor={`${id}-file`} className="field-label">
                Image file
              </label>
              <input
                id={`${id}-file`}
                type="file"
                accept={IMAGE_UPLOAD_LIMITS.types.join(',')}
                className="field-input text-sm"
                disabled={busy}
                aria-describedby={`${id}-upload-hint${uploadError ? ` ${id}-upload-error` : ''}`}
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  if (file) void upload(file);
                  e.target.value = '';
                }}
              />
              <p id={`${id}-upload-hint`} className="mt-1 text-xs text-slate-500">
                JPEG, PNG or WebP, at most {IMAGE_UPLOAD_LIMITS.maxBytes / MB} MB and {IMAGE_UPLOAD_LIMITS.maxWidth}×{IMAGE_UPLOAD_LIMITS.maxHeight} pixels.
              </p>
              <p className="mt-1 text-sm text-slate-700" role="status" aria-live="polite">
                {status}
              </p>
              {uploadError ? (
                <p id={`${id}-upload-error`} className="mt-1 text-sm font-medium text-red-700" role="alert">
                  Not uploaded, the step keeps its image: {uploadError}
                </p>
              ) : null}
              <p className="mt-3 text-sm font-semibold text-slate-800">Or one of your images</p>
              <div className="mt-1">
                <ImageLibrary
                  chosenHash={current?.kind === 'upload' ? current.sha256 : undefined}
                  refresh={current?.kind === 'upload' ? current.sha256 : ''}
                  onPick={(image) => onChange({ kind: 'upload', sha256: image.hash })}
                />
              </div>
            </div>
          )}
          {error ? <p className="text-sm font-medium text-red-700">{error}</p> : null}
        </div>
        <figure className="self-start">
          {current ? (
            <img src={imageRefUrl(current)} alt="The step's image" className="aspect-square w-full rounded-lg border border-slate-200 bg-slate-50 object-cover" />
          ) : (
            <div className="grid aspect-square w-full place-items-center rounded-lg border border-dashed border-slate-300 text-xs text-slate-500">No image</div>
          )}
          <figcaption className="mt-1 truncate text-xs text-slate-600">
            {current ? (current.kind === 'sample' ? sampleLabel(current.id) : 'Your upload') : 'Choose an image'}
          </figcaption>
        </figure>
      </div>
    </fieldset>
  );
}
