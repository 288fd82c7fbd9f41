'use client';

/** Pictures of gradient-ascent images: the large live one of the student panel, and a stored submission's thumbnail. */
import { useState } from 'react';
import type { Submission } from '@convlab/protocol';
import { useClassNames } from '../kit/class-names';
import { storedImageUrl, usePngUrl } from '../kit/images';
import { formatNumber, formatScore, toAscentEntry } from './ascent-logic';

/** The image being made (PNG bytes), large, with a choice between sharp pixels and smooth scaling. */
export function AscentImage({ png, alt, placeholder }: { png: Uint8Array | null; alt: string; placeholder: string }) {
  const url = usePngUrl(png);
  const [sharp, setSharp] = useState(true);
  return (
    <div>
      <div className="mx-auto aspect-square w-full max-w-[22rem] overflow-hidden rounded-xl border border-slate-300 bg-[#7f7f7f]">
        {url ? (
          <img src={url} alt={alt} data-testid="ascent-image" className="h-full w-full object-contain" style={{ imageRendering: sharp ? 'pixelated' : 'auto' }} />
        ) : (
          <p className="flex h-full items-center justify-center p-6 text-center text-sm font-medium text-white">{placeholder}</p>
        )}
      </div>
      <label className="mt-1 flex items-center justify-center gap-2 text-xs text-slate-600">
        <input type="checkbox" checked={sharp} onChange={(e) => setSharp(e.target.checked)} />
        Show sharp pixels
      </label>
    </div>
  );
}

/** A stored submission's image with its class, λ and score (for lists). */
export function AscentThumb({ submission, author, size = 'h-32 w-32' }: { submission: Submission; author?: string; size?: string }) {
  const { name } = useClassNames();
  const entry = toAscentEntry(submission);
  const caption = entry ? `${name(entry.result.classIndex)} · λ ${formatNumber(entry.params.lambda)} · score ${formatScore(entry.result.score)}` : 'gradient-ascent image';
  return (
    <figure className="w-fit">
      {submission.resultImageHash ? (
        <img src={storedImageUrl(submission.resultImageHash)} alt={`${author ? `${author}: ` : ''}${caption}`} className={`${size} rounded-lg border border-slate-200 object-cover`} />
      ) : (
        <div className={`${size} rounded-lg border border-dashed border-slate-300`} />
      )}
      <figcaption className="mt-1 max-w-32 text-xs text-slate-600">
        {author ? <span className="font-semibold text-slate-800">{author}: </span> : null}
        {caption}
      </figcaption>
    </figure>
  );
}
