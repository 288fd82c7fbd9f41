import { getLab } from '@convlab/labs';
import type { Step } from '@convlab/protocol';
import { LabInstructions } from './lab-instructions';
import { MarkdownView } from './markdown-view';

/** One lesson step as students see it: title, optional image, markdown body. `size` scales it for a projector. */
export function StepView({ step, size = 'normal', headingLevel = 2 }: { step: Step; size?: 'normal' | 'large'; headingLevel?: 1 | 2 }) {
  const Heading = headingLevel === 1 ? 'h1' : 'h2';
  return (
    <article className="space-y-5" aria-label={`Step: ${step.title}`}>
      {step.kind === 'lab' ? (
        <p className="badge bg-violet-100 text-violet-800" data-testid="lab-badge">
          {/* The lab's name for people; a lab this build does not know shows its id. */}
          Lab · {getLab(step.labId)?.title ?? step.labId}
        </p>
      ) : null}
      <Heading className={`font-bold tracking-tight text-slate-900 ${size === 'large' ? 'text-3xl sm:text-4xl' : 'text-2xl sm:text-3xl'}`}>
        {step.title}
      </Heading>
      {/* A plain <img>: instructors paste arbitrary URLs that next/image's optimizer would have to allow-list. */}
      {step.imageUrl ? (
        <img
          src={step.imageUrl}
          alt={`Illustration for "${step.title}"`}
          className="max-h-[45vh] w-auto max-w-full rounded-xl border border-slate-200 bg-white object-contain"
        />
      ) : null}
      {step.markdown.trim() ? (
        step.kind === 'lab' ? (
          <LabInstructions step={step} className={size === 'large' ? 'text-xl' : ''} />
        ) : (
          <MarkdownView source={step.markdown} className={size === 'large' ? 'text-xl' : ''} />
        )
      ) : (
        <p className="text-slate-500 italic">This step has no text.</p>
      )}
    </article>
  );
}
