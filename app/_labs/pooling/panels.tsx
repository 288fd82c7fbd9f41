'use client';

/**
 * The pooling lab: the student's demos and quiz (student-panel.tsx); the instructor's list of quiz answers with the
 * server's verdicts; on the projector, how many got it right.
 */
import { latestPerStudent, PoolingResultSchema } from '@convlab/labs';
import { ClassSubmissionsPanel } from '../kit/class-panel';
import type { LabPanelProps } from '../lab-runtime';
import type { LabPanels, LabPresentProps, LabReviewProps } from '../registry';
import { QuizAnswers } from './answers';
import { PoolingStudent } from './student-panel';

export const ANSWERS_VIEW = 'quiz-answers';

function PoolingInstructor({ lab }: LabPanelProps) {
  return (
    <ClassSubmissionsPanel lab={lab} title="Quiz answers" view={ANSWERS_VIEW} viewTitle="the answers" empty="No answers yet. Each student computes a pooled value of their own grid; the server checks it.">
      {(submissions, actions) => <QuizAnswers lab={lab} submissions={submissions} viewer="instructor" {...actions} />}
    </ClassSubmissionsPanel>
  );
}

function PoolingPresent({ lab, target, submissions }: LabPresentProps) {
  const shown = target.kind === 'submission' ? submissions.filter((s) => s.id === target.submissionId) : latestPerStudent(submissions, (s) => s);
  const right = shown.filter((s) => PoolingResultSchema.safeParse(s.result).data?.correct).length;
  return (
    <div className="space-y-6" data-testid="present-quiz">
      <h2 className="text-4xl font-bold">Pooling by hand</h2>
      <p className="text-3xl" data-testid="present-quiz-score">
        {right} of {shown.length} right
      </p>
      <QuizAnswers lab={lab} submissions={shown} viewer="instructor" />
    </div>
  );
}

function PoolingReview({ me, submissions }: LabReviewProps) {
  if (submissions.length === 0) return null;
  return <QuizAnswers lab={{ me, participants: [] }} submissions={submissions} viewer="student" />;
}

export const poolingPanels: LabPanels = { Student: PoolingStudent, Instructor: PoolingInstructor, Present: PoolingPresent, Review: PoolingReview };
