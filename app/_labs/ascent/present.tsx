'use client';

/**
 * The projector's view of the gradient-ascent lab: one image large with its class, λ and score; the class × λ grid;
 * or the gallery per class. Big type, dark on light, for the back of a lecture hall.
 */
import { useMemo } from 'react';
import { lambdaValues, type AscentParams } from '@convlab/labs';
import { useClassNames } from '../kit/class-names';
import { storedImageUrl } from '../kit/images';
import type { LabPresentProps } from '../registry';
import { formatNumber, formatScore, toAscentEntry } from './ascent-logic';
import { ClassGallery, LambdaGrid, type Entry } from './class-views';
import { authorOf } from './instructor-panel';

function Message({ children }: { children: string }) {
  return <p className="p-12 text-center text-3xl font-semibold text-slate-700">{children}</p>;
}

export function AscentPresent({ lab, target, submissions }: LabPresentProps) {
  const { name } = useClassNames();
  const params = lab.params as AscentParams;
  const entries = useMemo(() => submissions.filter((s) => s.stepId === lab.step.id).map(toAscentEntry).filter((e): e is Entry => e !== null), [submissions, lab.step.id]);

  if (target.kind === 'submission') {
    const entry = entries.find((e) => e.submission.id === target.submissionId);
    if (!entry) return <Message>This image is not available.</Message>;
    const hash = entry.submission.resultImageHash;
    return (
      <figure className="flex flex-wrap items-center justify-center gap-10 bg-white p-8 text-slate-950" data-testid="ascent-present-submission">
        {hash ? (
          <img src={storedImageUrl(hash)} alt={`Gradient-ascent image for ${name(entry.result.classIndex)}`} className="aspect-square h-[min(70vh,48rem)] rounded-2xl border-4 border-slate-900 object-contain" style={{ imageRendering: 'pixelated' }} />
        ) : null}
        <figcaption className="space-y-4">
          <p className="text-6xl font-bold">{name(entry.result.classIndex)}</p>
          <dl className="grid grid-cols-[auto_auto] gap-x-6 gap-y-2 text-4xl tabular-nums">
            <dt className="text-slate-600">λ</dt>
            <dd className="font-semibold">{formatNumber(entry.params.lambda)}</dd>
            <dt className="text-slate-600">score</dt>
            <dd className="font-semibold">{formatScore(entry.result.score)}</dd>
          </dl>
          <p className="text-2xl text-slate-700">by {authorOf(lab, entry.submission)}</p>
        </figcaption>
      </figure>
    );
  }

  if (target.view === 'lambda-sweep') {
    if (!params.sweep) return <Message>This step has no λ sweep.</Message>;
    return (
      <div className="bg-white p-8 text-slate-950">
        <h2 className="mb-4 text-5xl font-bold">Class × λ: the best image per cell</h2>
        <LambdaGrid entries={entries} classes={params.classes} lambdas={lambdaValues(params.sweep)} name={name} large />
      </div>
    );
  }

  if (target.view === 'gallery-by-class') {
    return (
      <div className="bg-white p-8 text-slate-950">
        <h2 className="mb-6 text-5xl font-bold">Gradient ascent: the class’s images</h2>
        <ClassGallery
          entries={entries}
          classes={params.classes}
          name={name}
          large
          empty={<Message>No images yet.</Message>}
          renderItem={(e) => (
            <figure>
              {e.submission.resultImageHash ? (
                <img src={storedImageUrl(e.submission.resultImageHash)} alt={`${name(e.result.classIndex)}, λ ${formatNumber(e.params.lambda)}`} className="aspect-square w-full rounded-xl border-2 border-slate-900 object-cover" />
              ) : null}
              <figcaption className="mt-2 text-2xl leading-snug tabular-nums">
                <span className="block">λ {formatNumber(e.params.lambda)}</span>
                <span className="block text-slate-700">score {formatScore(e.result.score)}</span>
              </figcaption>
            </figure>
          )}
        />
      </div>
    );
  }

  return <Message>{`The gradient-ascent lab has no view “${target.view}”.`}</Message>;
}
