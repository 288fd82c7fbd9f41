'use client';

/** One occlusion submission drawn: the photo with its numbered masks and each mask's probability. */
import type { OcclusionResult } from '@convlab/labs';
import { PhotoWithMasks } from './mask-overlay';
import { dropText, maskColor, pct } from './shared';

export function OcclusionSubmissionView({ result, imageUrl, targetName, nameOf, size = 'normal' }: {
  result: OcclusionResult;
  imageUrl: string;
  targetName: string;
  nameOf: (classIndex: number) => string;
  size?: 'normal' | 'large';
}) {
  const large = size === 'large';
  const masks = result.masks.map((m) => m.mask);
  return (
    <div className={large ? 'grid items-start gap-8 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]' : 'space-y-2'}>
      <PhotoWithMasks imageUrl={imageUrl} masks={masks} inputSize={result.inputSize} alt={`The photo with ${masks.length} mask${masks.length === 1 ? '' : 's'}`} fillOpacity={large ? 0.45 : 0.35} />
      <div className={large ? 'space-y-4' : 'space-y-1'}>
        <p className={large ? 'text-3xl text-slate-900' : 'text-sm text-slate-800'}>
          Without a mask: <strong className="tabular-nums">{pct(result.baseline)}</strong> {targetName}
        </p>
        <ol className={large ? 'space-y-2 text-2xl' : 'space-y-0.5 text-xs'}>
          {result.masks.map((m, i) => (
            <li key={i} className="flex items-center gap-2">
              <span className={`inline-flex shrink-0 items-center justify-center rounded font-bold text-white ${large ? 'h-9 w-9 text-xl' : 'h-4 w-4 text-[10px]'}`} style={{ background: maskColor(i) }}>
                {i + 1}
              </span>
              <span className="min-w-0">
                <strong className="tabular-nums">{pct(m.probability)}</strong> <span className="whitespace-nowrap text-slate-600">({dropText(result.baseline, m.probability)})</span>
                {m.topClass !== undefined && m.topClass !== result.classIndex ? <span className="text-slate-600"> · sees {nameOf(m.topClass)}</span> : null}
              </span>
            </li>
          ))}
        </ol>
      </div>
    </div>
  );
}
