'use client';

import { renderInstructions } from '@convlab/labs';
import type { LabStep } from '@convlab/protocol';
import { useClassNames } from '../_labs/kit/class-names';
import { MarkdownView } from './markdown-view';

/** A lab step's instructions with `{{window}}`, `{{class}}` … written from its parameters (class names from the labels). */
export function LabInstructions({ step, className }: { step: LabStep; className?: string }) {
  const { names } = useClassNames();
  const text = renderInstructions(step.markdown, step.params, { className: (i) => names[i] });
  return <MarkdownView source={text} className={className} />;
}
