'use client';

/**
 * Neuron picks grouped by layer (the step's layers in network order, class picks last): each card shows the method
 * images, the caption, the pick, who made it and where it was computed; the instructor can share and present each.
 */
import { galleryByLayer, latestPerStudent, NeuronParamsSchema, NeuronResultSchema, type NeuronMethod, type NeuronParams, type NeuronResult } from '@convlab/labs';
import type { Submission } from '@convlab/protocol';
import { useClassNames } from '../kit/class-names';
import { imageRefUrl, storedImageUrl } from '../kit/images';
import { SubmissionCard, authorOf, type SubmissionActions } from '../kit/submission-card';
import type { LabRuntime } from '../lab-runtime';
import type { LabReviewProps } from '../registry';
import { describePick, layerLabel } from './neuron-logic';
import { MethodImages } from './method-images';

export interface NeuronSubmission {
  submission: Submission;
  result: NeuronResult;
}

/** The step's submissions whose result fits the lab (anything else is left out, not crashed on). */
export function neuronSubmissions(submissions: readonly Submission[]): NeuronSubmission[] {
  return submissions.flatMap((submission) => {
    const parsed = NeuronResultSchema.safeParse(submission.result);
    return parsed.success ? [{ submission, result: parsed.data }] : [];
  });
}

/** A submission's method images as stored; one that names none shows its result image (the first method's). */
export function storedImages(submission: Submission, result: NeuronResult): Array<{ method: NeuronMethod; url: string }> {
  if (result.images.length) return result.images.map((img) => ({ method: img.method, url: storedImageUrl(img.sha256) }));
  if (!submission.resultImageHash) return [];
  const methods = NeuronParamsSchema.safeParse(submission.params);
  return [{ method: methods.success ? methods.data.methods[0]! : 'guided', url: storedImageUrl(submission.resultImageHash) }];
}

/** The heading of a gallery group. */
export function groupTitle(layer: string | null): string {
  return layer === null ? 'Class picks' : layerLabel(layer);
}

export { authorOf };

export function NeuronGallery({ lab, submissions, viewer, ...actions }: {
  lab: Pick<LabRuntime, 'params' | 'participants' | 'me'>;
  submissions: readonly Submission[];
  viewer: 'instructor' | 'student';
} & SubmissionActions) {
  const { name: className } = useClassNames();
  const params = lab.params as NeuronParams;
  // Each student once: their latest pick (every submission stays stored).
  const groups = galleryByLayer(latestPerStudent(neuronSubmissions(submissions), (e) => e.submission), params.layers);
  return (
    <div className="space-y-5" data-testid="gallery-by-layer">
      {groups.map((group) => (
        <section key={group.layer ?? 'classes'} aria-labelledby={`gallery-${group.layer ?? 'classes'}`} data-layer={group.layer ?? 'classes'}>
          <h3 id={`gallery-${group.layer ?? 'classes'}`} className="mb-2 text-base font-bold text-slate-900">
            {groupTitle(group.layer)} <span className="font-normal text-slate-500">· {group.items.length}</span>
          </h3>
          <div className="grid gap-3 [grid-template-columns:repeat(auto-fill,minmax(280px,1fr))]">
            {group.items.map(({ submission, result }) => (
              <SubmissionCard
                key={submission.id}
                submission={submission}
                author={authorOf(lab, submission)}
                viewer={viewer}
                caption={
                  <>
                    {result.caption ? <p className="text-base font-semibold text-slate-900">“{result.caption}”</p> : <p className="italic text-slate-500">No caption</p>}
                    <p className="text-xs text-slate-600" data-testid="gallery-pick">
                      {describePick(result.pick, className, result.position)} · value {result.value.toFixed(2)}
                    </p>
                  </>
                }
                {...actions}
              >
                <MethodImages size="small" images={storedImages(submission, result)} field={result.field} photoUrl={result.field ? imageRefUrl(params.image) : undefined} />
              </SubmissionCard>
            ))}
          </div>
        </section>
      ))}
    </div>
  );
}

/** A student's picks and the shared ones, read-only (the step's review after the session ended). */
export function NeuronReview({ params, me, submissions }: LabReviewProps) {
  if (submissions.length === 0) return null;
  return <NeuronGallery lab={{ params, me, participants: [] }} submissions={submissions} viewer="student" />;
}
