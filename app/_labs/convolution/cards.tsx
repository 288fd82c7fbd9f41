'use client';

/**
 * The class's kernels side by side: each submission's kernel next to the output the server computed from it (its
 * result image) and, in a challenge step, the server's verdict. Used by the instructor's panel, the projector, a
 * student's own list and their review.
 */
import { ConvolutionParamsSchema, ConvolutionResultSchema, formatTerm } from '@convlab/labs';
import type { Submission } from '@convlab/protocol';
import { storedImageUrl } from '../kit/images';
import { SubmissionGrid } from '../kit/submission-card';

/** A kernel as a small table of numbers. */
export function KernelTable({ kernel, size = 'card' }: { kernel: number[][]; size?: FigureSize }) {
  return (
    <table className={`border-collapse font-mono ${TEXT[size]}`} aria-label="Kernel">
      <tbody>
        {kernel.map((row, y) => (
          <tr key={y}>
            {row.map((v, x) => (
              <td key={x} className={`border border-slate-300 text-center ${size === 'card' ? 'px-1' : 'px-3 py-1'}`}>
                {formatTerm(v).replace(/[()]/g, '')}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** How large a figure is drawn: a card, a projector's grid cell, the projector's whole screen. */
type FigureSize = 'card' | 'projector' | 'large';
const TEXT: Record<FigureSize, string> = { card: 'text-xs', projector: 'text-xl', large: 'text-2xl' };
const IMAGE: Record<FigureSize, string> = { card: 'w-32', projector: 'w-64', large: 'w-96' };

/** One submission's kernel, the server's output and its check. */
export function ConvolutionFigure({ submission, size = 'card' }: { submission: Submission; size?: FigureSize }) {
  const params = ConvolutionParamsSchema.safeParse(submission.params).data;
  const result = ConvolutionResultSchema.safeParse(submission.result).data;
  if (!params) return <p className="text-sm text-slate-600">This kernel cannot be shown.</p>;
  return (
    <div className="space-y-2" data-testid="conv-figure">
      <div className="flex items-center gap-3">
        <KernelTable kernel={params.kernel} size={size} />
        {submission.resultImageHash ? (
          <img
            src={storedImageUrl(submission.resultImageHash)}
            alt="The output the server computed from this kernel"
            className={`${IMAGE[size]} h-auto border border-slate-200 [image-rendering:pixelated]`}
          />
        ) : null}
      </div>
      <p className={`${TEXT[size]} text-slate-600`}>
        stride {params.stride}, padding {params.padding}
        {result?.output ? ` · output ${result.output.height}×${result.output.width} (server)` : ''}
      </p>
      {result?.challenge ? (
        <p className={`${size === 'card' ? 'text-sm' : 'text-2xl'} font-semibold ${result.challenge.passed ? 'text-emerald-700' : 'text-amber-800'}`} data-testid="conv-check">
          {result.challenge.passed ? '✓ makes the target' : '✗ not the target yet'}
        </p>
      ) : null}
    </div>
  );
}

export function ConvolutionCards(props: Omit<Parameters<typeof SubmissionGrid>[0], 'render'>) {
  return <SubmissionGrid {...props} minWidth={260} testId="class-kernels" render={(s) => <ConvolutionFigure submission={s} />} />;
}
