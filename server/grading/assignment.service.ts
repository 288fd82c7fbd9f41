/**
 * Self-paced assignments, with the server as the authority: it snapshots the lesson's steps, decides from its own
 * clock whether a submission is on time, late (with its penalty) or refused, counts attempts, and grades each
 * submission by evaluating the step's rule (declared in its lab definition) on the compute service at the
 * `grading` priority — never from numbers the browser sent. Hand grading, overrides and regrades keep a history.
 */
import {
  ProtocolError,
  type AssignmentSubmission,
  type CreateAssignmentBody,
  type Gradebook,
  type LabStep,
  type StepGrading,
  type StudentStepStatus,
  type SubmitWindow,
} from '@convlab/protocol';
import type { z } from 'zod';
import { CreateAssignmentBodySchema, AssignmentSubmitBodySchema, StepGradingSchema } from '@convlab/protocol';
import { LabError, checkLabStep, checkSubmission, evaluateRule, requireRule, type GradedSubmission } from '@convlab/labs';
import { loadHowCnnsSeeLesson, resolveImagesDir } from '@convlab/labs/node';
import { countingAttempt, decideTimeliness } from '@convlab/classroom';
import type { ServerContext } from '../context';
import { AttemptsUsedError, type AssignmentRecord } from '../db';
import { knownModelFacts, modelProblems } from '../lessons/library';
import { serverGradingCompute } from './grading-compute';
import { readInputTensor, storeInputTensor } from './input-tensor';
import { labTasks, resultImageService } from '../realtime/labs.handlers';

type SubmitBody = z.output<typeof AssignmentSubmitBodySchema>;

/** Max points of a step: its rule's points plus its rubric's. */
export function stepMaxPoints(grading: StepGrading | undefined): number {
  if (!grading) return 0;
  return (grading.rule ? grading.points : 0) + grading.rubric.reduce((n, c) => n + c.points, 0);
}

/** The lab steps of an assignment with their grading, in the lesson's order; a bad rule is a LabError. */
export function snapshotSteps(body: z.output<typeof CreateAssignmentBodySchema>, env: Record<string, string | undefined> = process.env): LabStep[] {
  const lessonSteps = body.source.kind === 'builtin' ? loadHowCnnsSeeLesson({ imagesDir: resolveImagesDir(env) }).steps : body.source.steps;
  const chosen = new Map(body.steps.map((s) => [s.stepId, s.grading]));
  const steps: LabStep[] = [];
  for (const step of lessonSteps) {
    const grading = chosen.get(step.id);
    if (!grading) continue;
    if (step.kind !== 'lab') throw new LabError(`step "${step.id}" is a slide: only lab steps can be assigned`);
    const snap: LabStep = structuredClone({ ...step, grading });
    checkLabStep(snap);
    steps.push(snap);
  }
  const missing = body.steps.find((s) => !steps.some((x) => x.id === s.stepId));
  if (missing) throw new LabError(`the lesson has no step "${missing.stepId}"`);
  return steps;
}

function requireStep(a: AssignmentRecord, stepId: string): LabStep {
  const step = a.steps.find((s) => s.id === stepId);
  if (!step) throw new ProtocolError('NOT_FOUND', `the assignment has no step "${stepId}"`);
  return step;
}

/** Turns a lab's complaint into a clear 400. */
function asBadRequest<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof LabError) throw new ProtocolError('BAD_REQUEST', err.message);
    throw err;
  }
}

export class AssignmentService {
  constructor(private readonly ctx: ServerContext) {}

  /** Creates an assignment from a lesson's steps (a snapshot: later edits of the lesson do not reach it). */
  async create(courseId: string, createdById: string, input: CreateAssignmentBody, id?: string): Promise<AssignmentRecord> {
    const body = CreateAssignmentBodySchema.parse(input);
    const steps = asBadRequest(() => snapshotSteps(body));
    // As for a live session: a step whose model lacks its layers, channels or classes (or its gradients) is refused.
    const mismatched = modelProblems(steps, await knownModelFacts(this.ctx));
    if (mismatched.length) throw new ProtocolError('BAD_REQUEST', mismatched.join(' '));
    const source = body.source.kind === 'builtin' ? `builtin:${body.source.lessonId}` : 'steps';
    return this.ctx.assignments.create({ ...(id ? { id } : {}), courseId, title: body.title, source, steps, opensAt: new Date(body.opensAt), dueAt: new Date(body.dueAt), latePolicy: body.latePolicy, createdById });
  }

  /** Attempts used and left per step, as the server counts them, with what each step is worth (no rule parameters). */
  async status(a: AssignmentRecord, accountId: string): Promise<StudentStepStatus[]> {
    const used = await this.ctx.assignments.countAttempts(a.id, accountId);
    // Which attempt counts says something about grades: only once they are released.
    const mine = a.releasedAt ? await this.ctx.assignments.listSubmissions(a.id, { accountId }) : [];
    return a.steps.map((s) => {
      const n = used.get(s.id) ?? 0;
      const attempts = s.grading?.attempts ?? 1;
      return {
        stepId: s.id,
        attemptsUsed: n,
        attemptsLeft: Math.max(0, attempts - n),
        attempts,
        counts: s.grading?.counts ?? 'best',
        maxPoints: stepMaxPoints(s.grading),
        autoGraded: !!s.grading?.rule,
        rubric: (s.grading?.rubric ?? []).map((c) => ({ id: c.id, label: c.label, points: c.points })),
        countedId: countingAttempt(mine.filter((x) => x.stepId === s.id), s.grading?.counts ?? 'best')?.id ?? null,
      };
    });
  }

  /** What the server would decide of this student's submission now (the assignment page says it before they submit). */
  async window(a: AssignmentRecord, accountId: string): Promise<SubmitWindow> {
    const verdict = decideTimeliness(this.ctx.clock.now(), { opensAt: a.opensAt, dueAt: await this.ctx.assignments.dueAtFor(a, accountId) }, a.latePolicy);
    if ('reason' in verdict) return { status: verdict.status, reason: verdict.reason };
    return verdict.status === 'late' ? { status: 'late', lateDays: verdict.lateDays, penaltyPercent: verdict.penaltyPercent } : { status: 'on-time' };
  }

  /**
   * Stores one attempt and grades it. Refused before it opens, after the student's due time under a refuse
   * policy (PAST_DUE) and past the step's attempts (NO_ATTEMPTS_LEFT); whatever the browser claims.
   */
  async submit(a: AssignmentRecord, accountId: string, body: SubmitBody): Promise<{ submission: AssignmentSubmission; attemptsLeft: number }> {
    const retried = await this.ctx.assignments.findByRequest(accountId, body.requestId);
    if (retried) return { submission: retried, attemptsLeft: await this.attemptsLeft(a, accountId, retried.stepId) };
    const step = requireStep(a, body.stepId);
    const sent = asBadRequest(() => checkSubmission(step, { params: body.params, result: body.result, resultImageHash: body.resultImageHash ?? null }));
    const now = this.ctx.clock.now();
    const verdict = decideTimeliness(now, { opensAt: a.opensAt, dueAt: await this.ctx.assignments.dueAtFor(a, accountId) }, a.latePolicy);
    if ('reason' in verdict) throw new ProtocolError(verdict.status === 'not-open' ? 'NOT_OPEN' : 'PAST_DUE', verdict.reason);
    const checked = await this.serverChecks(a, accountId, step, { ...sent, resultImageHash: body.resultImageHash ?? null });
    const tensorHash = body.tensor ? await this.storeTensor(body.tensor) : null;
    let submission: AssignmentSubmission;
    try {
      submission = await this.ctx.assignments.createSubmission({
        assignmentId: a.id,
        accountId,
        stepId: step.id,
        requestId: body.requestId,
        params: checked.params,
        result: checked.result,
        resultImageHash: checked.resultImageHash,
        tensorHash,
        submittedAt: now,
        lateDays: verdict.lateDays,
        penaltyPercent: verdict.penaltyPercent,
        attempts: step.grading?.attempts ?? 1,
      });
    } catch (err) {
      if (err instanceof AttemptsUsedError) throw new ProtocolError('NO_ATTEMPTS_LEFT', err.message);
      throw err;
    }
    if (step.grading?.rule) submission = await this.autoGrade(step, submission, 'auto', null);
    return { submission, attemptsLeft: await this.attemptsLeft(a, accountId, step.id) };
  }

  /**
   * What the server itself checks of a convolution or pooling result — the challenge against the hidden kernel (with
   * the server's own output image), the quiz answer against this student's grid — replaces whatever the browser
   * claimed; the same checks as in a live session (verify/lab-tasks.ts), for this student of this assignment.
   */
  private async serverChecks(a: AssignmentRecord, accountId: string, step: LabStep, s: { params: Record<string, unknown>; result: Record<string, unknown>; resultImageHash: string | null }) {
    const owner = { sessionId: `assignment:${a.id}`, participantId: accountId };
    try {
      if (step.labId === 'convolution') return await labTasks(this.ctx).convolution(step, owner, s, async (png) => (await resultImageService(this.ctx).ingest(png, { kind: 'server', id: null })).image.hash);
      if (step.labId === 'pooling') return labTasks(this.ctx).pooling(step, owner, s);
    } catch (err) {
      if (err instanceof LabError) throw new ProtocolError('BAD_REQUEST', err.message);
      throw err;
    }
    return s;
  }

  private async attemptsLeft(a: AssignmentRecord, accountId: string, stepId: string): Promise<number> {
    return (await this.status(a, accountId)).find((s) => s.stepId === stepId)?.attemptsLeft ?? 0;
  }

  private async storeTensor(t: NonNullable<SubmitBody['tensor']>): Promise<string> {
    const bytes = Buffer.from(t.base64, 'base64');
    const [h, w, c] = t.shape;
    if (bytes.length !== h * w * c * 4) throw new ProtocolError('BAD_REQUEST', `a ${h}×${w}×${c} float32 image is ${h * w * c * 4} bytes, got ${bytes.length}`);
    const data = new Float32Array(h * w * c);
    for (let i = 0; i < data.length; i++) data[i] = bytes.readFloatLE(4 * i);
    if (!data.every(Number.isFinite)) throw new ProtocolError('BAD_REQUEST', 'the float32 image holds a value that is not finite');
    return storeInputTensor(await this.uploadsDir(), { shape: [h, w, c], data });
  }

  private async uploadsDir(): Promise<string> {
    return (await this.ctx.compute.get()).uploadsDir;
  }

  /** Evaluates the step's rule on a stored submission and records the verdict (a failed computation too). */
  async autoGrade(step: LabStep, s: AssignmentSubmission, kind: 'auto' | 'regrade', byId: string | null): Promise<AssignmentSubmission> {
    const ruleSpec = step.grading?.rule;
    if (!ruleSpec || !step.grading) return s;
    const rule = requireRule(step.labId, ruleSpec.id);
    const graded: GradedSubmission<unknown, unknown> = { step: s.params, result: s.result };
    if (s.tensorHash) {
      const t = await readInputTensor(await this.uploadsDir(), s.tensorHash);
      graded.tensor = { ref: { kind: 'upload', sha256: s.tensorHash }, shape: t.shape, data: t.data };
    }
    const compute = serverGradingCompute(this.ctx.compute, s.accountId);
    try {
      const outcome = await evaluateRule(rule, ruleSpec.params, graded, compute);
      const auto = { ruleId: rule.id, fraction: outcome.fraction, points: outcome.fraction * step.grading.points, detail: outcome.detail, measured: outcome.measured };
      return await this.ctx.assignments.updateGrade(s.id, { auto }, { kind, byId, data: { previous: s.auto, auto, ruleParams: ruleSpec.params } });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return this.ctx.assignments.updateGrade(s.id, { auto: null }, { kind, byId, data: { previous: s.auto, error: message } });
    }
  }

  /** Hand grading: points per rubric criterion (each within its criterion's points) and a comment. */
  async gradeByHand(a: AssignmentRecord, s: AssignmentSubmission, byId: string, rubric: Record<string, number>, comment: string): Promise<AssignmentSubmission> {
    const criteria = requireStep(a, s.stepId).grading?.rubric ?? [];
    let points = 0;
    for (const [id, value] of Object.entries(rubric)) {
      const c = criteria.find((x) => x.id === id);
      if (!c) throw new ProtocolError('BAD_REQUEST', `the step's rubric has no criterion "${id}"`);
      if (value > c.points) throw new ProtocolError('BAD_REQUEST', `"${c.label}" is worth at most ${c.points} points`);
      points += value;
    }
    const manual = { rubric, comment, points };
    return this.ctx.assignments.updateGrade(s.id, { manual }, { kind: 'manual', byId, data: { previous: s.manual, manual } });
  }

  /** Replaces the auto score (null: back to the auto score), keeping the reason. */
  async override(s: AssignmentSubmission, byId: string, points: number | null, reason: string): Promise<AssignmentSubmission> {
    return this.ctx.assignments.updateGrade(s.id, { overridePoints: points, overrideReason: points === null ? null : reason }, { kind: 'override', byId, data: { previous: s.overridePoints, points, reason } });
  }

  /** Re-evaluates every submission of a step (with a changed rule when given, kept in the assignment). */
  async regrade(a: AssignmentRecord, stepId: string, byId: string, grading?: z.input<typeof StepGradingSchema>): Promise<{ assignment: AssignmentRecord; regraded: number; ms: number }> {
    let step = requireStep(a, stepId);
    if (grading) {
      step = { ...step, grading: StepGradingSchema.parse(grading) };
      asBadRequest(() => checkLabStep(step));
      a = await this.ctx.assignments.setSteps(a.id, a.steps.map((s) => (s.id === stepId ? step : s)));
    }
    const t0 = performance.now();
    const submissions = await this.ctx.assignments.listSubmissions(a.id, { stepId });
    // One after another: the priority queue puts grading behind live jobs only while they wait, and a job that has
    // started keeps its slot, so a regrade holding every slot would delay a lecture by a job each time. One slot
    // at most leaves the others free for live work.
    for (const s of submissions) await this.autoGrade(step, s, 'regrade', byId);
    return { assignment: a, regraded: submissions.length, ms: performance.now() - t0 };
  }

  /** Students × steps: the counting attempt per cell (best or last), late flags, attempts and totals. */
  async gradebook(a: AssignmentRecord, toDto: (a: AssignmentRecord) => Gradebook['assignment']): Promise<Gradebook> {
    const members = (await this.ctx.courses.listMembers(a.courseId)).filter((m) => m.role === 'student');
    const all = await this.ctx.assignments.listSubmissions(a.id);
    const rows = members.map((m) => {
      const mine = all.filter((s) => s.accountId === m.accountId);
      const cells = a.steps.map((step) => {
        const attempts = mine.filter((s) => s.stepId === step.id);
        const counted = countingAttempt(attempts, step.grading?.counts ?? 'best');
        return {
          stepId: step.id,
          submissionId: counted?.id ?? null,
          attempts: attempts.length,
          auto: counted ? (counted.overridePoints ?? counted.auto?.points ?? null) : null,
          manual: counted?.manual?.points ?? null,
          late: (counted?.lateDays ?? 0) > 0,
          points: counted?.points ?? 0,
        };
      });
      return { accountId: m.accountId, name: m.name, email: m.email, studentNumber: m.studentNumber ?? null, cells, total: cells.reduce((n, c) => n + c.points, 0) };
    });
    return { assignment: toDto(a), steps: a.steps.map((s) => ({ stepId: s.id, title: s.title, maxPoints: stepMaxPoints(s.grading) })), rows };
  }
}
