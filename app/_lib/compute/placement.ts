/**
 * Where a compute job runs: in this browser's Web Worker or on the shared compute server. A pure function of what
 * the browser measured (its backend and one forward pass of the lesson's model), the job and the student's choice,
 * so the rule is testable and the UI can show the reason it was given.
 */
import type { JobSpec } from '@convlab/protocol';

/** The student's choice: 'auto' lets the policy decide; 'browser' and 'server' force a side when it can run. */
export type Preference = 'auto' | 'browser' | 'server';

/** What the browser knows about itself after its first use. */
export interface BrowserCapability {
  /** 'unknown': not probed yet; 'ready': a backend runs; 'unavailable': no backend started. */
  state: 'unknown' | 'ready' | 'unavailable';
  /** tfjs backend that runs jobs ('webgl', 'webgpu', 'wasm', 'cpu'). */
  backend?: string;
  /** Milliseconds of one forward pass (batch 1) of the lesson's model, measured after a warm-up pass. */
  forwardMs?: number;
  /** A local job ran out of memory (or lost its GPU context): later jobs go to the server. */
  outOfMemory?: boolean;
  /** Why no backend is usable, for the UI. */
  reason?: string;
  /** The WebGL renderer (WEBGL_debug_renderer_info), e.g. "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device …))". */
  renderer?: string;
  /**
   * Set when this browser's compute stopped answering in time (the check or a job ran past its time budget), in
   * words for the panel: Automatic sends jobs to the server from then on. A late answer of the check clears it.
   */
  stalled?: string;
}

/** Limits of the policy. */
export interface PlacementLimits {
  /** A forward pass slower than this makes the browser "too slow" for any job. */
  maxForwardMs: number;
  /** A job whose estimated local time exceeds this goes to the server. */
  maxJobMs: number;
  /** How long the browser's check (backend, model load, one measured pass) may take before Automatic stops waiting. */
  probeBudgetMs: number;
  /** A local job may run this many times its estimate before it is given up and sent to the server… */
  jobBudgetFactor: number;
  /** …but never less than this (a job's first use of a model also downloads it). */
  jobBudgetFloorMs: number;
}

/** Defaults: a lab should answer within a few seconds; past that the shared server is the better bet. */
export const DEFAULT_LIMITS: PlacementLimits = { maxForwardMs: 1500, maxJobMs: 20_000, probeBudgetMs: 10_000, jobBudgetFactor: 4, jobBudgetFloorMs: 15_000 };

/** The outcome, with a sentence the UI can show ("why did this run on the server?"). */
export interface Placement {
  where: 'browser' | 'server';
  reason: 'choice' | 'fast-enough' | 'too-slow' | 'job-too-heavy' | 'no-backend' | 'out-of-memory' | 'stalled' | 'software-rendering' | 'no-server' | 'server-only-model';
  message: string;
}

/** Per-kind multiplier of a forward pass: a backward pass costs about two forward passes. */
const GRADIENT_PASS = 3;

/**
 * Rough cost of a job in forward passes of batch 1 (batched rows are cheaper per row on a GPU; this errs towards
 * the server, which is the safe side for a slow laptop).
 */
export function estimateForwardPasses(spec: JobSpec, inputSize: [number, number] = [224, 224]): number {
  switch (spec.kind) {
    case 'classify':
    case 'activations':
      return 1;
    case 'occlusion': {
      const [h, w] = inputSize;
      const { window, stride } = spec.params;
      const rows = Math.max(1, Math.floor((h - window) / stride) + 1);
      const cols = Math.max(1, Math.floor((w - window) / stride) + 1);
      return 1 + rows * cols;
    }
    case 'occlusion-masks':
      return 1 + spec.params.masks.length;
    case 'saliency':
      return GRADIENT_PASS * (spec.params.method === 'smoothgrad' ? spec.params.samples : 1);
    case 'ascent':
      return GRADIENT_PASS * spec.params.steps;
    case 'patches':
      return spec.params.images.length;
    default:
      return 1;
  }
}

/** True for a WebGL renderer drawn by the CPU (SwiftShader, llvmpipe, …): slower than the class server. */
export function isSoftwareRenderer(renderer: string | undefined): boolean {
  return !!renderer && /swiftshader|llvmpipe|softpipe|lavapipe|software|microsoft basic render/i.test(renderer);
}

/**
 * Decides where one job runs. Local unless: the student chose the server; no backend started; a local job ran out
 * of memory; in Automatic, the browser's compute stalled (past its time budget) or its WebGL is software-rendered;
 * one forward pass is slower than `maxForwardMs`; or the job's estimate exceeds `maxJobMs`. Without a server
 * connection everything that can run locally does ('no-server' when even that is impossible).
 */
export function decidePlacement(input: {
  spec: JobSpec;
  prefer: Preference;
  capability: BrowserCapability;
  serverAvailable: boolean;
  limits?: PlacementLimits;
  inputSize?: [number, number];
  /** Set when the job's model is computed on the server only (too large for laptops), in words. */
  serverOnlyModel?: string | null;
}): Placement {
  const { spec, prefer, capability, serverAvailable } = input;
  const limits = input.limits ?? DEFAULT_LIMITS;
  const usable = capability.state !== 'unavailable' && !capability.outOfMemory;
  const server = (reason: Placement['reason'], message: string): Placement =>
    serverAvailable ? { where: 'server', reason, message } : { where: 'browser', reason: 'no-server', message: `${message}; no server connection, so trying this browser anyway` };

  // The browser cannot even get this model: whatever the student chose, the server computes it.
  if (input.serverOnlyModel && serverAvailable) return { where: 'server', reason: 'server-only-model', message: input.serverOnlyModel };
  if (prefer === 'server') {
    if (serverAvailable) return { where: 'server', reason: 'choice', message: 'you chose to compute on the server' };
    return { where: 'browser', reason: 'no-server', message: 'you chose the server, but there is no server connection: computing in this browser' };
  }
  if (capability.state === 'unavailable') {
    // A backend that started but could not run the model (download refused, unsupported op) is just as unusable.
    // The details stay in `capability.reason`: they are long, and the UI shows them once.
    return server('no-backend', capability.backend ? 'the model does not run in this browser' : 'this browser has no usable TensorFlow.js backend');
  }
  if (capability.outOfMemory) return server('out-of-memory', 'this browser ran out of memory on an earlier job');
  if (prefer === 'auto' && capability.stalled) return server('stalled', capability.stalled);
  if (prefer === 'auto' && capability.backend === 'webgl' && isSoftwareRenderer(capability.renderer)) {
    return server('software-rendering', 'WebGL in this browser is drawn in software (no graphics card), slower than the class server');
  }
  if (prefer === 'browser' && usable) return { where: 'browser', reason: 'choice', message: 'you chose to compute in this browser' };
  if (capability.state === 'ready' && capability.forwardMs !== undefined) {
    if (capability.forwardMs > limits.maxForwardMs) {
      return server('too-slow', `one forward pass takes ${Math.round(capability.forwardMs)} ms here (limit ${limits.maxForwardMs} ms)`);
    }
    const estimate = capability.forwardMs * estimateForwardPasses(spec, input.inputSize);
    if (estimate > limits.maxJobMs) {
      return server('job-too-heavy', `this job would take about ${(estimate / 1000).toFixed(0)} s here (limit ${limits.maxJobMs / 1000} s)`);
    }
    return { where: 'browser', reason: 'fast-enough', message: `one forward pass takes ${Math.round(capability.forwardMs)} ms on ${capability.backend}` };
  }
  // Not measured yet (the client measures before the first job, so this is a caller that skipped it): try locally.
  return { where: 'browser', reason: 'fast-enough', message: 'not measured yet; trying this browser first' };
}

/** True for errors that mean the device ran out of (GPU) memory, so later jobs should not run here. */
export function isOutOfMemoryError(message: string): boolean {
  return /out of memory|\boom\b|failed to allocate|allocation failed|GL_OUT_OF_MEMORY|CONTEXT_LOST|context lost|RangeError: Array buffer allocation/i.test(message);
}
