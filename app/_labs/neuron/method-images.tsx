'use client';

/** The attribution images of one pick side by side, each with its method's name (and, large, what it shows). */
import { useState, type ReactNode } from 'react';
import type { NeuronMethod } from '@convlab/labs';
import type { NeuronField } from '@convlab/protocol';
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

export function MethodImages({ images, size = 'medium', explain = false, testIdPrefix, photoUrl, field }: {
  images: readonly MethodImage[];
  size?: 'small' | 'medium' | 'projector' | 'large';
  /** Show each method's one-line explanation. */
  explain?: boolean;
  /** data-testid of each image: `<prefix><method>` (the student panel's `method-image-`). */
  testIdPrefix?: string;
  /** The photo itself first, to compare with. */
  photoUrl?: string;
  /** A neuron's receptive field: a second row shows each image cropped to it, after the photo patch it sees. */
  field?: NeuronField | null;
}) {
  const columns = images.length + (photoUrl ? 1 : 0);
  const name = size === 'large' ? 'text-2xl font-bold' : size === 'projector' ? 'text-lg font-bold' : size === 'medium' ? 'text-sm font-semibold' : 'text-xs font-semibold';
  const text = size === 'large' || size === 'projector' ? 'text-lg' : 'text-xs';
  const grid = (children: ReactNode, testId?: string) => (
    <div className={`grid ${size === 'large' ? 'gap-6' : size === 'small' ? 'gap-1.5' : 'gap-3'}`} style={{ gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` }} data-testid={testId}>
      {children}
    </div>
  );
  const side = field ? field.box[2] - field.box[0] + 1 : 0;
  return (
    <div className="space-y-2">
      {grid(
        <>
      {photoUrl ? (
        <figure className="min-w-0">
          <img src={photoUrl} alt="The photo" className="aspect-square w-full rounded-md border border-slate-200 object-cover" />
          <figcaption className={`mt-1 ${name} text-slate-900`}>Photo</figcaption>
        </figure>
      ) : null}
      {images.map((image) => (
        <MethodFigure key={image.method} image={image} nameClass={name} textClass={text} explain={explain} testIdPrefix={testIdPrefix} />
      ))}
        </>,
      )}
      {field ? (
        <>
          <p className={`${text} font-semibold text-slate-700`}>What the neuron sees: its {side}×{side}-pixel receptive field</p>
          {grid(
            <>
              {photoUrl ? <FieldCrop url={photoUrl} field={field} of="photo" label="The photo patch the neuron sees" caption="Photo patch" captionClass={name} /> : null}
              {images.map((image) => (
                <MethodCrop key={image.method} image={image} field={field} captionClass={name} />
              ))}
            </>,
            'receptive-field-crops',
          )}
        </>
      ) : null}
    </div>
  );
}

function MethodCrop({ image, field, captionClass }: { image: MethodImage; field: NeuronField; captionClass: string }) {
  const pngUrl = usePngUrl(image.png ?? null);
  const url = image.url ?? pngUrl;
  if (!url) return <div />;
  const info = METHOD_INFO[image.method];
  return <FieldCrop url={url} field={field} of="input" label={`${info.name} image, cropped to the receptive field`} caption={info.name} captionClass={captionClass} />;
}

/**
 * An image cropped to a neuron's receptive field. A method image is the model's input (`inputSize`); the photo is
 * larger: the model's input is its centre square of `cropFraction` of the shorter side, so the box is mapped there.
 */
function FieldCrop({ url, field, of, label, caption, captionClass }: { url: string; field: NeuronField; of: 'input' | 'photo'; label: string; caption: string; captionClass: string }) {
  const [natural, setNatural] = useState<[number, number] | null>(null);
  const [inH, inW] = field.inputSize;
  // The image's size, and where the model's input sits in it (origin and scale per input pixel).
  const size = of === 'input' ? [inH, inW] : natural;
  let crop: { top: number; left: number; height: number; width: number } | null = null;
  if (size) {
    const [h, w] = size as [number, number];
    const side = of === 'input' ? 0 : field.cropFraction * Math.min(h, w);
    const [oy, ox, sy, sx] = of === 'input' ? [0, 0, 1, 1] : [(h - side) / 2, (w - side) / 2, side / inH, side / inW];
    // The field may reach into the padding: show the part inside the image.
    const top = Math.max(0, oy + field.box[0] * sy);
    const left = Math.max(0, ox + field.box[1] * sx);
    const bottom = Math.min(h, oy + (field.box[2] + 1) * sy);
    const right = Math.min(w, ox + (field.box[3] + 1) * sx);
    crop = { top, left, height: Math.max(1, bottom - top), width: Math.max(1, right - left) };
  }
  return (
    <figure className="min-w-0">
      <div className="relative w-full overflow-hidden rounded-md border border-slate-200 bg-slate-900" style={{ aspectRatio: crop ? `${crop.width} / ${crop.height}` : '1 / 1' }}>
        <img
          src={url}
          alt={label}
          onLoad={(e) => of === 'photo' && setNatural([e.currentTarget.naturalHeight, e.currentTarget.naturalWidth])}
          className="absolute max-w-none [image-rendering:pixelated]"
          style={
            crop && size
              ? { width: `${(size[1] / crop.width) * 100}%`, left: `${(-crop.left / crop.width) * 100}%`, top: `${(-crop.top / crop.height) * 100}%` }
              : { visibility: 'hidden' }
          }
        />
      </div>
      <figcaption className={`mt-1 ${captionClass} text-slate-900`}>{caption}</figcaption>
    </figure>
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
