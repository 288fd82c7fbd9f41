'use client';

import type { LabPanels } from '../registry';
import { AscentInstructor } from './instructor-panel';
import { AscentPresent } from './present';
import { AscentReview, AscentStudent } from './student-panel';

export const ascentPanels: LabPanels = { Student: AscentStudent, Instructor: AscentInstructor, Present: AscentPresent, Review: AscentReview };
