'use client';

/**
 * The class's kernels side by side: each submission's kernel next to the output the server computed from it (its
 * result image) and, in a challenge step, the server's verdict. Used by the instructor's panel, the projector, a
 * student's own list and their review.
 */
import { ConvolutionParamsSchema, ConvolutionResultSchema, formatTerm } from '@convlab/labs';
import type { Submission } from '@convlab/protocol';
import { storedImageUrl } from '../kit/images';
import { SubmissionCard, type SubmissionActions } from '../kit/submission-card';
import type { LabRuntime } from '../lab-runtime';
import { authorOf } from '../neuron/gallery';

/** A kernel as a small table of numbers. */
export function KernelTable({ kernel, large = false }: { kernel: number[][]; large?: boolean }) {
  return (
    <table className={`border-collapse font-mono ${large ? 'text-2xl' : 'text-xs'}`} aria-label="Kernel">
      <tbody>
        {kernel.map((row, y) => (
          <tr key={y}>
            {row.map((v, x) => (
              <td key={x} className={`border border-slate-300 text-center ${large ? 'px-3 py-1' : 'px-1'}`}>
                {formatTerm(v).replace(/[()]/g, '')}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One submission's kernel, the server's output and its check. */
export function ConvolutionFigure({ submission, large = false }: { submission: Submission; large?: boolean }) {
  const params = ConvolutionParamsSchema.safeParse(submission.params).data;
  const result = ConvolutionResultSchema.safeParse(submission.result).data;
  if (!params) return <p className="text-sm text-slate-600">This kernel cannot be shown.</p>;
  return (
    <div className="space-y-2" data-testid="conv-figure">
      <div className="flex items-center gap-3">
        <KernelTable kernel={params.kernel} large={large} />
        {submission.resultImageHash ? (
          <img
            src={storedImageUrl(submission.resultImageHash)}
            alt="The output the server computed from this kernel"
            className={`${large ? 'w-96' : 'w-32'} h-auto border border-slate-200 [image-rendering:pixelated]`}
          />
        ) : null}
      </div>
      <p className={`${large ? 'text-xl' : 'text-xs'} text-slate-600`}>
        stride {params.stride}, padding {params.padding}
        {result?.output ? ` · output ${result.output.height}×${result.output.width} (server)` : ''}
      </p>
      {result?.challenge ? (
        <p className={`${large ? 'text-2xl' : 'text-sm'} font-semibold ${result.challenge.passed ? 'text-emerald-700' : 'text-amber-800'}`} data-testid="conv-check">
          {result.challenge.passed ? '✓ makes the target' : '✗ not the target yet'}
        </p>
      ) : null}
    </div>
  );
}

export function ConvolutionCards({ lab, submissions, viewer, ...actions }: {
  lab: Pick<LabRuntime, 'participants' | 'me'>;
  submissions: readonly Submission[];
  viewer: 'instructor' | 'student';
} & SubmissionActions) {
  return (
    <div className="grid gap-3 [grid-template-columns:repeat(auto-fill,minmax(260px,1fr))]" data-testid="class-kernels">
      {submissions.map((s) => (
        <SubmissionCard key={s.id} submission={s} author={authorOf(lab, s)} viewer={viewer} {...actions}>
          <ConvolutionFigure submission={s} />
        </SubmissionCard>
      ))}
    </div>
  );
}
