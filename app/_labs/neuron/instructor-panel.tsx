'use client';

/**
 * The neuron lab for the instructor: every pick as it arrives, grouped by layer in network order (class picks last),
 * with share and present per pick, and the whole gallery to the projector.
 */
import { ClassSubmissionsPanel } from '../kit/class-panel';
import type { LabPanelProps } from '../lab-runtime';
import { NeuronGallery } from './gallery';

export const GALLERY_VIEW = 'gallery-by-layer';

export function NeuronInstructor({ lab }: LabPanelProps) {
  return (
    <ClassSubmissionsPanel
      lab={lab}
      title="Gallery by layer"
      noun="pick"
      view={GALLERY_VIEW}
      viewTitle="the gallery"
      empty="No picks yet. They appear here, grouped by layer, as students submit."
      emptyTestId="gallery-by-layer"
    >
      {(submissions, actions) => <NeuronGallery lab={lab} submissions={submissions} viewer="instructor" {...actions} />}
    </ClassSubmissionsPanel>
  );
}
