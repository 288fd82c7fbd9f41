/**
 * Starting grading for a lab step put into an assignment: the lab's first grading rule with parameters an
 * instructor would start from (changed before a regrade if they want), and for the neuron lab a hand-graded caption.
 */
import { getLab } from '@convlab/labs';
import type { LabStep, StepGradingInput } from '@convlab/protocol';

/** Rule parameters to start from, per rule id. */
function startingParams(ruleId: string, step: LabStep): Record<string, unknown> | null {
  const p = step.params as Record<string, unknown>;
  switch (ruleId) {
    case 'occlusion-drop':
      return { maxCoveragePercent: 15, minDropPoints: 20 };
    case 'neuron-top-k':
      return Array.isArray(p.layers) && typeof p.layers[0] === 'string' ? { minLayer: p.layers[0], k: 5 } : null;
    case 'ascent-objective':
      return { lambda: typeof p.lambda === 'number' ? p.lambda : 0.001, threshold: 0 };
    default:
      return null;
  }
}

/** The grading a new assignment gives `step`: 10 points by its lab's first rule, a caption rubric for neuron picks. */
export function defaultGrading(step: LabStep): StepGradingInput {
  const rule = getLab(step.labId)?.gradingRules?.[0];
  const params = rule ? startingParams(rule.id, step) : null;
  const rubric = step.labId === 'neuron' ? [{ id: 'caption', label: 'The caption says what the neuron responds to', points: 2 }] : [];
  return { points: params ? 10 : 0, ...(rule && params ? { rule: { id: rule.id, params: params as Record<string, never> } } : {}), rubric, attempts: 3, counts: 'best' };
}

/** A date-time field's value ("YYYY-MM-DDTHH:mm", the viewer's zone) as an ISO instant with its offset. */
export function localInputToInstant(value: string): string {
  return new Date(value).toISOString();
}

/** An instant as the viewer's date-time field shows it. */
export function instantToLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** An instant in the viewer's time zone, with the zone named. */
export function formatLocal(iso: string): string {
  // dateStyle/timeStyle cannot be combined with timeZoneName: the fields one by one.
  return new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }).format(new Date(iso));
}
