'use client';

/** The attribution images of one pick side by side, each with its method's name (and, large, what it shows). */
import type { ReactNode } from 'react';
import type { NeuronMethod } from '@convlab/labs';
import { usePngUrl } from '../kit/images';
import { METHOD_INFO } from './neuron-logic';

export interface MethodImage {
  method: NeuronMethod;
  /** Where the PNG is (a stored image), or its bytes (a fresh result); neither while it is being computed. */
  url?: string | null;
  png?: Uint8Array | null;
  /** Under the name: where it was computed, a spinner, … */
  footer?: ReactNode;
}

export function MethodImages({ images, size = 'medium', explain = false, testIdPrefix, photoUrl }: {
  images: readonly MethodImage[];
  size?: 'small' | 'medium' | 'projector' | 'large';
  /** Show each method's one-line explanation. */
  explain?: boolean;
  /** data-testid of each image: `<prefix><method>` (the student panel's `method-image-`). */
  testIdPrefix?: string;
  /** The photo itself first, to compare with. */
  photoUrl?: string;
}) {
  const columns = images.length + (photoUrl ? 1 : 0);
  const name = size === 'large' ? 'text-2xl font-bold' : size === 'projector' ? 'text-lg font-bold' : size === 'medium' ? 'text-sm font-semibold' : 'text-xs font-semibold';
  const text = size === 'large' || size === 'projector' ? 'text-lg' : 'text-xs';
  return (
    <div className={`grid [overflow-wrap:anywhere] ${size === 'large' ? 'gap-6' : size === 'small' ? 'gap-1.5' : 'gap-3'}`} style={{ gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` }}>
      {photoUrl ? (
        <figure className="min-w-0">
          <img src={photoUrl} alt="The photo" className="aspect-square w-full rounded-md border border-slate-200 object-cover" />
          <figcaption className={`mt-1 ${name} text-slate-900`}>Photo</figcaption>
        </figure>
      ) : null}
      {images.map((image) => (
        <MethodFigure key={image.method} image={image} nameClass={name} textClass={text} explain={explain} testIdPrefix={testIdPrefix} />
      ))}
    </div>
  );
}

function MethodFigure({ image, nameClass, textClass, explain, testIdPrefix }: { image: MethodImage; nameClass: string; textClass: string; explain: boolean; testIdPrefix?: string }) {
  const { method, footer } = image;
  const pngUrl = usePngUrl(image.png ?? null);
  const url = image.url ?? pngUrl;
  const info = METHOD_INFO[method];
  return (
    <figure className="min-w-0">
      {url ? (
        <img
          src={url}
          alt={`${info.name} image`}
          className="aspect-square w-full rounded-md border border-slate-200 bg-slate-900 object-contain"
          data-testid={testIdPrefix ? `${testIdPrefix}${method}` : undefined}
          data-method={method}
        />
      ) : (
        <div className="flex aspect-square w-full items-center justify-center rounded-md border border-dashed border-slate-300 bg-slate-50 text-xs text-slate-500">
          {footer ? '' : 'not computed yet'}
        </div>
      )}
      <figcaption className="mt-1 space-y-0.5">
        <span className={`block ${nameClass} text-slate-900`}>{info.name}</span>
        {explain ? <span className={`block ${textClass} text-slate-600`}>{info.explain}</span> : null}
        {footer ? <span className="block">{footer}</span> : null}
      </figcaption>
    </figure>
  );
}
