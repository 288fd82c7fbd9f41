'use client';

import type { LabPanels } from '../registry';

// Being built by a helper: this file is replaced.
function Placeholder() {
  return <p>The ascent lab's panels are not built yet.</p>;
}

export const ascentPanels: LabPanels = { Student: Placeholder, Instructor: Placeholder, Present: Placeholder };
