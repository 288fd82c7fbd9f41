'use client';

/**
 * The first-layer filters lab: two models' filters side by side for a student (student-panel.tsx); the filters the
 * class picked, with captions, for the instructor and the projector.
 */
import { latestPerStudent } from '@convlab/labs';
import { ClassSubmissionsPanel } from '../kit/class-panel';
import type { LabPanelProps } from '../lab-runtime';
import type { LabPanels, LabPresentProps, LabReviewProps } from '../registry';
import { FilterPicks } from './picks';
import { FiltersStudent } from './student-panel';

export const PICKS_VIEW = 'picked-filters';

function FiltersInstructor({ lab }: LabPanelProps) {
  return (
    <div className="space-y-6">
      <FiltersStudent lab={lab} />
      <ClassSubmissionsPanel lab={lab} title="Picked filters" view={PICKS_VIEW} viewTitle="the picked filters" empty="No picks yet. Students submit the filter they find most telling, with a caption.">
        {(submissions, actions) => <FilterPicks lab={lab} submissions={submissions} viewer="instructor" {...actions} />}
      </ClassSubmissionsPanel>
    </div>
  );
}

function FiltersPresent({ lab, target, submissions }: LabPresentProps) {
  const shown = target.kind === 'submission' ? submissions.filter((s) => s.id === target.submissionId) : latestPerStudent(submissions, (s) => s);
  return (
    <div className="space-y-6" data-testid="present-filters">
      <h2 className="text-4xl font-bold">First-layer filters the class found</h2>
      {shown.length ? <FilterPicks lab={lab} submissions={shown} viewer="instructor" large /> : <p className="text-3xl text-slate-700">No picks yet.</p>}
    </div>
  );
}

function FiltersReview({ me, submissions }: LabReviewProps) {
  if (submissions.length === 0) return null;
  return <FilterPicks lab={{ me, participants: [] }} submissions={submissions} viewer="student" />;
}

export const filtersPanels: LabPanels = { Student: FiltersStudent, Instructor: FiltersInstructor, Present: FiltersPresent, Review: FiltersReview };
