'use client';

import { paramLabel, requireLab, studentControlsOf } from '@convlab/labs';
import type { ClientEventName, ClientPayload, ClientResult, LabStep, SessionState } from '@convlab/protocol';
import { useMemo } from 'react';
import { LabStage } from '../../_labs/lab-stage';
import { ClassroomRequestError, type ClassroomSocket } from '../../_lib/use-classroom-socket';
import type { LessonCatalog } from '../../_lib/use-lesson-catalog';
import { StepView } from '../step-view';
import { classLabel } from './class-picker';

/** A parameter's value in words (class indices by name). */
function formatValue(name: string, value: unknown, catalog: LessonCatalog): string {
  if (name === 'classIndex' && typeof value === 'number') return classLabel(catalog.classes, value);
  if (name === 'classes' && Array.isArray(value)) return value.map((c) => classLabel(catalog.classes, c as number)).join(', ');
  if (Array.isArray(value)) return value.join(', ');
  if (value && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const PREVIEW_MESSAGE = 'This is a preview: nothing is sent to a class. Start a session to collect submissions.';

/**
 * The connection a previewed lab gets instead of a session's: the student's own list is empty, and whatever would
 * reach a class (submit, images, shares) is refused with a sentence saying why. Jobs run in this browser only.
 */
function previewConnection(): ClassroomSocket {
  const request = async <E extends ClientEventName>(event: E, _payload: ClientPayload<E>): Promise<ClientResult<E>> => {
    if (event === 'lab:submissions') return { submissions: [] } as unknown as ClientResult<E>;
    if (event === 'ascent:my-lambda') return { assignment: null } as unknown as ClientResult<E>;
    throw new ClassroomRequestError('PREVIEW', PREVIEW_MESSAGE);
  };
  return {
    status: 'live',
    state: null,
    participants: [],
    me: { id: 'preview', sessionId: 'preview', displayName: 'Preview', joinedAt: new Date(0).toISOString() },
    joinError: null,
    removedMessage: null,
    request,
    retry: () => undefined,
    subscribe: () => () => undefined,
    socket: null,
  };
}

/**
 * A lab step as a student meets it, without a session or a join code: the instructions, the settings in words, and
 * the lab's own student panel running in this browser (Submit is refused: it is a preview).
 */
export function LabStepPreview({ step, catalog }: { step: LabStep; catalog: LessonCatalog }) {
  const lab = requireLab(step.labId);
  const live = useMemo(previewConnection, []);
  const state = useMemo<SessionState>(
    () => ({ sessionId: 'preview', code: 'PREVIEW', title: 'Preview', steps: [step], currentStep: 0, locked: false, paused: false, pauseMessage: null, status: 'live', presenting: null, joiningClosed: false }),
    [step],
  );
  let controls: string[] = [];
  try {
    controls = studentControlsOf(step);
  } catch {
    controls = step.studentControls ?? [];
  }
  const { image: _image, ...rest } = step.params as Record<string, unknown>;
  return (
    <div className="space-y-5" data-testid="lab-preview">
      <p className="rounded-lg border border-brand-200 bg-brand-50 px-3 py-2 text-sm text-brand-900">
        Preview as a student sees it — computed in this browser, nothing is sent to a class.
      </p>
      <StepView step={{ ...step, title: step.title || 'Untitled step' }} />
      <LabStage role="student" step={step} state={state} live={live} />
      <details className="rounded-xl bg-slate-50 p-4 text-sm">
        <summary className="cursor-pointer font-semibold text-slate-900">{lab.title}: settings</summary>
        <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
          {Object.entries(rest)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => (
              <div key={k} className="contents">
                <dt className="text-slate-500">{paramLabel(lab, k)}</dt>
                <dd className="break-words text-slate-800">{formatValue(k, v, catalog)}</dd>
              </div>
            ))}
        </dl>
        <p className="mt-3 text-slate-700">
          <strong>Students may change:</strong> {controls.length ? controls.map((c) => paramLabel(lab, c).toLowerCase()).join(', ') : 'nothing'}
        </p>
      </details>
    </div>
  );
}
