'use client';

/**
 * The convolution lab: the student's kernel editor (student-panel.tsx); the instructor's view of every student's
 * kernel next to the output the server computed from it; the class's kernels side by side on the projector.
 */
import { latestPerStudent } from '@convlab/labs';
import { ClassSubmissionsPanel } from '../kit/class-panel';
import type { LabPanelProps } from '../lab-runtime';
import type { LabPanels, LabPresentProps, LabReviewProps } from '../registry';
import { authorOf } from '../kit/submission-card';
import { ConvolutionCards, ConvolutionFigure } from './cards';
import { ConvolutionStudent } from './student-panel';

export const KERNELS_VIEW = 'kernels-side-by-side';

function ConvolutionInstructor({ lab }: LabPanelProps) {
  return (
    <ClassSubmissionsPanel lab={lab} title="The class’s kernels" view={KERNELS_VIEW} viewTitle="the kernels side by side" empty="No kernels yet. Each appears here with the output the server computes from it.">
      {(submissions, actions) => <ConvolutionCards lab={lab} submissions={submissions} viewer="instructor" {...actions} />}
    </ClassSubmissionsPanel>
  );
}

function ConvolutionPresent({ lab, target, submissions }: LabPresentProps) {
  if (target.kind === 'submission') {
    const found = submissions.find((s) => s.id === target.submissionId);
    if (!found) return <p className="text-3xl text-slate-700">This kernel is not available.</p>;
    return (
      <article className="space-y-6" data-testid="present-kernel">
        <p className="text-4xl font-bold">{authorOf(lab, found)}’s kernel</p>
        <ConvolutionFigure submission={found} size="large" />
      </article>
    );
  }
  if (target.view !== KERNELS_VIEW) return <p className="text-3xl text-slate-700">The convolution lab has no view “{target.view}”.</p>;
  const latest = latestPerStudent(submissions, (s) => s);
  return (
    <div className="space-y-6" data-testid="present-kernels">
      <h2 className="text-4xl font-bold">The class’s kernels and their outputs</h2>
      {latest.length === 0 ? <p className="text-3xl text-slate-700">No kernels yet.</p> : null}
      <div className="grid gap-6 [grid-template-columns:repeat(auto-fill,minmax(560px,1fr))]">
        {latest.map((s) => (
          <figure key={s.id} className="space-y-2 rounded-2xl border-2 border-slate-300 p-4">
            <ConvolutionFigure submission={s} size="projector" />
            <figcaption className="text-2xl font-semibold">{authorOf(lab, s)}</figcaption>
          </figure>
        ))}
      </div>
    </div>
  );
}

function ConvolutionReview({ me, submissions }: LabReviewProps) {
  if (submissions.length === 0) return null;
  return <ConvolutionCards lab={{ me, participants: [] }} submissions={submissions} viewer="student" />;
}

export const convolutionPanels: LabPanels = { Student: ConvolutionStudent, Instructor: ConvolutionInstructor, Present: ConvolutionPresent, Review: ConvolutionReview };
