/**
 * The gradient-ascent lab's grading rule: an image I with S_c(I) − Λ‖I‖² ≥ T, computed by the server on the stored
 * float32 image in the model's input space (the PNG beside it is quantized).
 */
import { z } from 'zod';
import type { AscentParams, AscentResult } from './ascent.lab';
import { ClassIndexSchema } from './common.schemas';
import { defineRule, noPoints } from './grading.types';

export const AscentObjectiveRuleParamsSchema = z.strictObject({
  /** Λ of the penalty Λ‖I‖² (input units), which may differ from the λ the student ascended with. */
  lambda: z.number().min(0).max(10),
  /** T: the objective to reach. */
  threshold: z.number().finite(),
  /** The class c (hidden from students); the step's class when absent. */
  classIndex: ClassIndexSchema.optional(),
});

/** ‖I‖², the sum of squares, accumulated in float64. */
export function squaredNorm(data: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i]! * data[i]!;
  return s;
}

export const ascentObjectiveRule = defineRule<typeof AscentObjectiveRuleParamsSchema, AscentParams, AscentResult>({
  id: 'ascent-objective',
  title: 'Objective reached',
  description: 'The submitted image I reaches S_c(I) − Λ‖I‖² ≥ T (the server computes both terms on the stored float32 image).',
  params: AscentObjectiveRuleParamsSchema,
  partialCredit: false,
  async evaluate({ params, submission, compute }) {
    const { step, tensor } = submission;
    if (!tensor) return noPoints('no float32 image was stored with this submission');
    const classIndex = params.classIndex ?? step.classIndex;
    const score = await compute.classScore({ model: step.model, image: tensor.ref, classIndex });
    const norm2 = squaredNorm(tensor.data);
    const objective = score - params.lambda * norm2;
    // Rounding of the float32 sum: a boundary case counts as reached.
    const ok = objective >= params.threshold - 1e-9 * Math.max(1, Math.abs(params.threshold));
    return {
      fraction: ok ? 1 : 0,
      detail: `S_c = ${score.toFixed(3)}, Λ‖I‖² = ${(params.lambda * norm2).toFixed(3)}: objective ${objective.toFixed(3)} ${ok ? '≥' : '<'} ${params.threshold}`,
      measured: { score, squaredNorm: norm2, objective, classIndex },
    };
  },
});
