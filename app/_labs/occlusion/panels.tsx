'use client';

import type { LabPanels } from '../registry';

// Being built by a helper: this file is replaced.
function Placeholder() {
  return <p>The occlusion lab's panels are not built yet.</p>;
}

export const occlusionPanels: LabPanels = { Student: Placeholder, Instructor: Placeholder, Present: Placeholder };
