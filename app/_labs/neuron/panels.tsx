'use client';

import type { LabPanels } from '../registry';
import { NeuronReview } from './gallery';
import { NeuronInstructor } from './instructor-panel';
import { NeuronPresent } from './present';
import { NeuronStudent } from './student-panel';

/** The neuron lab ("neurons to pixels"): saliency, guided backprop and deconvnet for a picked neuron or class. */
export const neuronPanels: LabPanels = { Student: NeuronStudent, Instructor: NeuronInstructor, Present: NeuronPresent, Review: NeuronReview };
