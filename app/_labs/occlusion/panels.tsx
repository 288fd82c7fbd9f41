'use client';

import type { LabPanels } from '../registry';
import { OcclusionInstructor } from './instructor-panel';
import { OcclusionPresent } from './present-panel';
import { OcclusionStudent } from './student-panel';
import { OcclusionWork } from './work-gallery';

export const occlusionPanels: LabPanels = { Student: OcclusionStudent, Instructor: OcclusionInstructor, Present: OcclusionPresent, Review: OcclusionWork };
