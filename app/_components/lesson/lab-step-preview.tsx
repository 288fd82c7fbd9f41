'use client';

import { requireLab, studentControlsOf } from '@convlab/labs';
import type { ImageRef, LabStep } from '@convlab/protocol';
import type { LessonCatalog } from '../../_lib/use-lesson-catalog';
import { StepView } from '../step-view';
import { classLabel } from './class-picker';
import { imageRefUrl } from './image-picker';

/** A parameter's value in words (class indices by name). */
function formatValue(name: string, value: unknown, catalog: LessonCatalog): string {
  if (name === 'classIndex' && typeof value === 'number') return classLabel(catalog.classes, value);
  if (name === 'classes' && Array.isArray(value)) return value.map((c) => classLabel(catalog.classes, c as number)).join(', ');
  if (Array.isArray(value)) return value.join(', ');
  if (value && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A lab step as students meet it: the instructions, then what the lab is set to and what they may change. */
export function LabStepPreview({ step, catalog }: { step: LabStep; catalog: LessonCatalog }) {
  const lab = requireLab(step.labId);
  const { image, ...rest } = step.params as Record<string, unknown> & { image?: ImageRef };
  let controls: string[] = [];
  try {
    controls = studentControlsOf(step);
  } catch {
    controls = step.studentControls ?? [];
  }
  return (
    <div className="space-y-5">
      <StepView step={{ ...step, title: step.title || 'Untitled step' }} />
      <section aria-label="Lab settings" className="grid gap-4 rounded-xl bg-slate-50 p-4 sm:grid-cols-[8rem_1fr]">
        {image ? <img src={imageRefUrl(image)} alt="The lab's image" className="aspect-square w-32 rounded-lg border border-slate-200 object-cover" /> : null}
        <div className={image ? '' : 'sm:col-span-2'}>
          <h3 className="text-sm font-bold text-slate-900">{lab.title}</h3>
          <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            {Object.entries(rest)
              .filter(([, v]) => v !== undefined)
              .map(([k, v]) => (
                <div key={k} className="contents">
                  <dt className="font-mono text-slate-500">{k}</dt>
                  <dd className="break-words text-slate-800">{formatValue(k, v, catalog)}</dd>
                </div>
              ))}
          </dl>
          <p className="mt-3 text-sm text-slate-700">
            <strong>Students may change:</strong> {controls.length ? controls.join(', ') : 'nothing'}
          </p>
        </div>
      </section>
    </div>
  );
}
