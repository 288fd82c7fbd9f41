/**
 * The convolution and pooling labs' tasks and their checks, on the server. What a student needs is handed out by
 * `lab:task` (the photo as the server scaled it, the challenge's target, their own quiz grid); what checks them stays
 * here: the hidden kernel and each student's quiz grid come from the server's secret (HMAC of session, step and
 * student), so they are never stored, never sent and the same after a restart. The rules themselves are
 * @convlab/labs' pure functions (challengeTarget, checkChallenge, poolQuiz, checkPoolQuiz).
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import sharp from 'sharp';
import {
  challengeTarget,
  checkChallenge,
  checkPoolQuiz,
  convolutionInput,
  convolutionOutput,
  describeQuiz,
  grayscale,
  mapRange,
  parseLabParams,
  poolQuiz,
  type ConvolutionParams,
  type ConvolutionResult,
  type PoolingParams,
  type PoolingResult,
} from '@convlab/labs';
import { resolveSampleImage } from '@convlab/labs/node';
import { ProtocolError, type ImageRef, type LabStep, type LabTask, type NumberMap } from '@convlab/protocol';
import { featureMapToRgb, type FeatureMap } from '@convlab/vis';
import { encodePng } from '@convlab/vis/png';

/** Who a task is for: the session and the student (null: the instructor, who gets a task of their own). */
export interface TaskOwner {
  sessionId: string;
  participantId: string | null;
}

/** What a check works on and gives back (a lab submission before it is stored). */
interface Checked {
  params: Record<string, unknown>;
  result: Record<string, unknown>;
  resultImageHash: string | null;
}

/** Photos scaled for the convolution lab, kept by image and size (a class asks for the same few). */
const PHOTO_CACHE_MAX = 32;

export class LabTasks {
  private readonly photos = new Map<string, Promise<FeatureMap>>();

  constructor(private readonly opts: { secret: string; imagesDir: () => string; uploadsDir: string }) {}

  /** The seed of a step's hidden values: an HMAC only this server can make. */
  private seed(purpose: string, owner: TaskOwner, stepId: string, perStudent: boolean): string {
    const who = perStudent ? `:${owner.participantId ?? 'instructor'}` : '';
    return createHmac('sha256', this.opts.secret).update(`${purpose}:${owner.sessionId}:${stepId}${who}`).digest('hex');
  }

  /** A photo scaled (cover) to size×size, 8-bit RGB. */
  photo(image: ImageRef, size: number): Promise<FeatureMap> {
    const key = `${image.kind === 'sample' ? image.id : image.sha256}@${size}`;
    let found = this.photos.get(key);
    if (!found) {
      found = this.decode(image, size);
      found.catch(() => this.photos.delete(key));
      if (this.photos.size >= PHOTO_CACHE_MAX) this.photos.delete(this.photos.keys().next().value!);
      this.photos.set(key, found);
    }
    return found;
  }

  private async decode(image: ImageRef, size: number): Promise<FeatureMap> {
    const path = image.kind === 'sample' ? resolveSampleImage(image.id, { imagesDir: this.opts.imagesDir() }) : join(this.opts.uploadsDir, image.sha256);
    if (!path) throw new ProtocolError('UNKNOWN_IMAGE', `no sample image ${image.kind === 'sample' ? image.id : ''}`);
    const { data, info } = await sharp(path).resize(size, size, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new ProtocolError('BAD_REQUEST', `the photo decoded to ${info.channels} channels, not RGB`);
    return { height: info.height, width: info.width, channels: 3, data: Float32Array.from(data) };
  }

  /** The task of a convolution or pooling step for one student (or the instructor). */
  async task(step: LabStep, owner: TaskOwner): Promise<LabTask> {
    if (step.labId === 'convolution') {
      const params = parseLabParams('convolution', step.params) as ConvolutionParams;
      const photo = await this.photo(params.image, params.size);
      const target = params.challenge ? challengeTarget(convolutionInput(params, photo), params, this.seed('conv-challenge', owner, step.id, false)) : null;
      return { kind: 'convolution', photo: toWire(photo), target: target && toWire(target) };
    }
    if (step.labId === 'pooling') {
      const params = parseLabParams('pooling', step.params) as PoolingParams;
      if (!params.quiz) return { kind: 'pooling', quiz: null };
      const quiz = poolQuiz(this.seed('pool-quiz', owner, step.id, true), params.op);
      return { kind: 'pooling', quiz: { ...quiz, question: describeQuiz(quiz) } };
    }
    throw new ProtocolError('BAD_REQUEST', `step "${step.id}" is a ${step.labId} lab, which has no task`);
  }

  /**
   * A convolution submission as the server computes it: the output of the submitted kernel (stored as the
   * submission's image, so the instructor sees the server's output, not the browser's) and, in a challenge step,
   * the check against the hidden kernel's target.
   */
  async convolution(step: LabStep, owner: TaskOwner, s: Checked, storeImage: (png: Uint8Array) => Promise<string>): Promise<Checked> {
    const params = s.params as ConvolutionParams;
    const stepParams = parseLabParams('convolution', step.params) as ConvolutionParams;
    const photo = params.source === 'photo' || stepParams.challenge ? await this.photo(params.image, params.size) : null;
    const output = convolutionOutput(convolutionInput(params, photo), params);
    const range = mapRange(output);
    let result: ConvolutionResult = { output: { height: output.height, width: output.width, ...range } };
    if (stepParams.challenge) {
      // The target is the step's (its source, stride and padding) in grey; the attempt is the student's kernel on it.
      const input = convolutionInput({ ...stepParams, color: 'gray' }, photo);
      const target = challengeTarget(input, stepParams, this.seed('conv-challenge', owner, step.id, false));
      result = { ...result, challenge: checkChallenge(target, convolutionOutput(grayscale(input), params)) };
    }
    const png = encodePng(featureMapToRgb(output));
    return { ...s, result, resultImageHash: await storeImage(png) };
  }

  /** A quiz answer checked against the student's own grid; what is stored says right or wrong, never the value. */
  pooling(step: LabStep, owner: TaskOwner, s: Checked): Checked {
    const params = parseLabParams('pooling', step.params) as PoolingParams;
    const answer = (s.result as PoolingResult).answer;
    const quiz = poolQuiz(this.seed('pool-quiz', owner, step.id, true), params.op);
    const result: PoolingResult = { answer, correct: checkPoolQuiz(quiz, answer), question: describeQuiz(quiz) };
    return { ...s, result };
  }
}

function toWire(map: FeatureMap): NumberMap {
  return { height: map.height, width: map.width, channels: map.channels, data: Array.from(map.data, (v) => Math.round(v * 1000) / 1000) };
}
