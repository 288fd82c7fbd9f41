/**
 * The panels of each lab, by lab id (the definitions themselves are in @convlab/labs). Adding a lab means adding its
 * definition there and one entry here.
 */
import type { ComponentType } from 'react';
import type { LabStep, ParticipantSelf, PresentTarget, Submission } from '@convlab/protocol';
import type { LabPanelProps, LabRuntime } from './lab-runtime';
import { ascentPanels } from './ascent/panels';
import { convolutionPanels } from './convolution/panels';
import { filtersPanels } from './filters/panels';
import { maxPatchPanels } from './max-patches/panels';
import { neuronPanels } from './neuron/panels';
import { occlusionPanels } from './occlusion/panels';
import { poolingPanels } from './pooling/panels';

/** What the projector shows for a present target of this lab's step. */
export interface LabPresentProps {
  lab: LabRuntime;
  target: PresentTarget;
  /** The step's submissions (the instructor sees them all). */
  submissions: readonly Submission[];
}

/** What a lab's review shows a student: their own stored work in a step and what the instructor shared. */
export interface LabReviewProps {
  step: LabStep;
  /** The step's parameters with the lab's defaults filled in. */
  params: Record<string, unknown>;
  me: ParticipantSelf | null;
  /** The step's submissions this student may see (their own and the shared ones). */
  submissions: readonly Submission[];
}

export interface LabPanels {
  /** What a student works in. */
  Student: ComponentType<LabPanelProps>;
  /** The instructor's live view of the class's work. */
  Instructor: ComponentType<LabPanelProps>;
  /** Large, high-contrast rendering of one submission or one class view for the projector. */
  Present: ComponentType<LabPresentProps>;
  /** A student's stored work in the step, read-only and without computing (also after the session ended). */
  Review: ComponentType<LabReviewProps>;
}

export const LAB_PANELS: Readonly<Record<string, LabPanels>> = {
  convolution: convolutionPanels,
  pooling: poolingPanels,
  filters: filtersPanels,
  occlusion: occlusionPanels,
  neuron: neuronPanels,
  ascent: ascentPanels,
  'max-patches': maxPatchPanels,
};
