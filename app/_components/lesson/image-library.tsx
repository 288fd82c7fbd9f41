'use client';

import type { ImageAsset } from '@convlab/protocol';
import { useEffect, useState } from 'react';
import { api } from '../../_lib/api-client';

/**
 * The instructor's uploaded images as a row of thumbnails to pick from, so one upload serves any step (a slide's
 * picture, a lab's photo). a new `refresh` value (the hash just uploaded) loads the list again so it shows up.
 */
export function ImageLibrary({ onPick, chosenHash, refresh = '' }: { onPick: (image: ImageAsset) => void; chosenHash?: string; refresh?: string }) {
  const [images, setImages] = useState<ImageAsset[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .imageLibrary()
      .then((r) => setImages(r.images))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : 'Could not load your images.'));
  }, [refresh]);
  if (error) return <p className="text-xs text-red-700">{error}</p>;
  if (!images?.length) return <p className="text-xs text-slate-500">{images ? 'Images you upload appear here, for any step.' : 'Loading your images…'}</p>;
  return (
    <ul className="flex flex-wrap gap-2" aria-label="Your images">
      {images.map((image) => (
        <li key={image.hash}>
          <button
            type="button"
            onClick={() => onPick(image)}
            aria-pressed={image.hash === chosenHash}
            aria-label={`Use your image ${image.width}×${image.height} from ${new Date(image.createdAt).toLocaleDateString()}`}
            className={`block rounded-lg border-2 ${image.hash === chosenHash ? 'border-brand-600' : 'border-transparent hover:border-slate-300'}`}
          >
            <img src={image.url} alt="" className="size-14 rounded-md object-cover" loading="lazy" />
          </button>
        </li>
      ))}
    </ul>
  );
}
