'use client';

/**
 * The projector's view of the occlusion lab: one submission, the class map or the class sweep, large and
 * high-contrast, with the class name and a thick legend.
 */
import { useMemo } from 'react';
import type { OcclusionParams } from '@convlab/labs';
import { useClassNames } from '../kit/class-names';
import { imageRefUrl } from '../kit/images';
import type { LabPresentProps } from '../registry';
import { ClassMapView, classMapTarget } from './class-map-view';
import { splitSubmissions } from './shared';
import { OcclusionSubmissionView } from './submission-view';
import { SweepView, gridOfProgress, gridOfResult, useLiveSweep } from './sweep-view';

function Frame({ title, subtitle, children }: { title: string; subtitle?: string; children?: React.ReactNode }) {
  return (
    <div className="space-y-6 bg-white p-6 text-slate-900" data-testid="occlusion-present">
      <header>
        <h2 className="text-4xl font-bold">{title}</h2>
        {subtitle ? <p className="mt-2 text-2xl text-slate-700">{subtitle}</p> : null}
      </header>
      {children}
    </div>
  );
}

export function OcclusionPresent({ lab, target, submissions }: LabPresentProps) {
  const params = lab.params as OcclusionParams;
  const imageUrl = imageRefUrl(params.image);
  const { name } = useClassNames();
  const { masks, sweeps } = useMemo(() => splitSubmissions(submissions), [submissions]);
  const sweep = useLiveSweep(lab);
  const authorOf = (participantId: string | null) => (participantId === null ? 'the instructor' : (lab.participants.find((p) => p.id === participantId)?.displayName ?? 'a student'));

  if (target.kind === 'submission') {
    const found = masks.find((m) => m.submission.id === target.submissionId);
    if (!found) return <Frame title="This submission is not here (any more)." />;
    const targetName = name(found.result.classIndex);
    return (
      <Frame title={`Hiding parts of the photo: ${targetName}`} subtitle={`Masks by ${authorOf(found.submission.participantId)}`}>
        <div className="mx-auto max-w-6xl">
          <OcclusionSubmissionView result={found.result} imageUrl={imageUrl} targetName={targetName} nameOf={name} size="large" />
        </div>
      </Frame>
    );
  }

  if (target.view === 'class-map') {
    const classIndex = classMapTarget(params.classIndex, masks);
    const targetName = classIndex === null ? 'the target class' : name(classIndex);
    return (
      <Frame title={`Where the class hid ${targetName}`} subtitle="For each pixel: the mean drop in probability over the masks that cover it">
        <div className="mx-auto max-w-7xl">
          <ClassMapView entries={masks} classIndex={classIndex} className={targetName} imageUrl={imageUrl} size="large" />
        </div>
      </Frame>
    );
  }

  if (target.view === 'sweep') {
    const last = sweeps.at(-1);
    const grid = sweep.progress ? gridOfProgress(sweep.progress) : last ? gridOfResult(last.result) : null;
    if (!grid) return <Frame title="Sweep together" subtitle="No sweep yet: start one from the dashboard." />;
    const targetName = name(grid.classIndex);
    const status = sweep.progress && !sweep.done ? `${grid.done} of ${grid.total} shards computed…` : 'Sweep complete';
    return (
      <Frame title={`Sweep together: ${targetName}`} subtitle={status}>
        <div className="mx-auto max-w-7xl">
          <SweepView grid={grid} imageUrl={imageUrl} targetName={targetName} size="large" />
        </div>
      </Frame>
    );
  }

  return <Frame title={`The occlusion lab has no view "${target.view}".`} />;
}
