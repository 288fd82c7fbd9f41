'use client';

/**
 * The neuron lab on the projector: one pick large (the method images side by side, the caption big), or the whole
 * gallery by layer. Dark on light, big type, readable from the back of a hall.
 */
import { galleryByLayer, latestPerStudent, type NeuronParams } from '@convlab/labs';
import { useClassNames } from '../kit/class-names';
import { imageRefUrl } from '../kit/images';
import type { LabPresentProps } from '../registry';
import { authorOf, groupTitle, neuronSubmissions, storedImages, type NeuronSubmission } from './gallery';
import { GALLERY_VIEW } from './instructor-panel';
import { describePick } from './neuron-logic';
import { MethodImages } from './method-images';

export function NeuronPresent({ lab, target, submissions }: LabPresentProps) {
  const { name: className } = useClassNames();
  const params = lab.params as NeuronParams;
  const picks = neuronSubmissions(submissions);

  if (target.kind === 'submission') {
    const found = picks.find((p) => p.submission.id === target.submissionId);
    if (!found) return <p className="text-3xl text-slate-700">This pick is not available.</p>;
    return (
      <article className="space-y-6 bg-white text-slate-950" data-testid="present-neuron-pick">
        <header className="space-y-2">
          <p className="text-4xl font-bold leading-tight">{found.result.caption ? `“${found.result.caption}”` : describePick(found.result.pick, className, found.result.position)}</p>
          <p className="text-2xl text-slate-700">
            {describePick(found.result.pick, className, found.result.position)} · {authorOf(lab, found.submission)}
          </p>
        </header>
        <MethodImages size="large" explain photoUrl={imageRefUrl(params.image)} images={storedImages(found.submission, found.result)} field={found.result.field} />
      </article>
    );
  }

  if (target.view !== GALLERY_VIEW) return <p className="text-3xl text-slate-700">The neuron lab has no view “{target.view}”.</p>;
  const groups = galleryByLayer(latestPerStudent(picks, (e) => e.submission), params.layers);
  return (
    <div className="space-y-8 bg-white text-slate-950" data-testid="present-gallery-by-layer">
      <h2 className="text-4xl font-bold">What the neurons respond to</h2>
      {groups.length === 0 ? <p className="text-3xl text-slate-700">No picks yet.</p> : null}
      {groups.map((group) => (
        <section key={group.layer ?? 'classes'} className="space-y-4">
          <h3 className="border-b-4 border-slate-900 pb-1 text-3xl font-bold">{groupTitle(group.layer)}</h3>
          <div className="grid gap-6 [grid-template-columns:repeat(auto-fill,minmax(560px,1fr))]">
            {group.items.map((item) => (
              <PresentCard key={item.submission.id} item={item} photoUrl={imageRefUrl(params.image)} describe={(i) => describePick(i.result.pick, className, i.result.position)} />
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}

function PresentCard({ item, photoUrl, describe }: { item: NeuronSubmission; photoUrl: string; describe: (item: NeuronSubmission) => string }) {
  return (
    <figure className="space-y-3 rounded-2xl border-2 border-slate-300 p-4">
      <MethodImages size="projector" images={storedImages(item.submission, item.result)} field={item.result.field} photoUrl={item.result.field ? photoUrl : undefined} />
      <figcaption>
        <p className="text-2xl font-bold leading-snug">{item.result.caption ? `“${item.result.caption}”` : 'No caption'}</p>
        <p className="text-xl text-slate-700">{describe(item)}</p>
      </figcaption>
    </figure>
  );
}
