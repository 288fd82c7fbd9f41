/**
 * The `convlab` visualization subcommands, run as the real command, checked against references computed here:
 * occlusion's JSON against a per-position loop, saliency's raw gradient against the library, ascent's determinism.
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { activations, encodeNpy, forward, inputGradient, loadBuiltinModel, parseNpy, type Model } from '@convlab/nets';
import { createFileReader, defaultModelsDir, pathExists } from '@convlab/nets/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, uniformArray } from './rng';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/convlab.js');
const MODEL = 'mobilenet_v1_0.25_224';
const HAVE = pathExists(path.join(defaultModelsDir(), MODEL)) && pathExists(BIN);
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CONVLAB_'))) as NodeJS.ProcessEnv;

async function convlab(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, env: ENV, maxBuffer: 32 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe.skipIf(!HAVE)('convlab visualization subcommands', () => {
  let dir: string;
  let model: Model;
  let input: Float32Array;
  let inputFile: string;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    dir = mkdtempSync(path.join(tmpdir(), 'convlab-vis-'));
    model = await loadBuiltinModel(MODEL, createFileReader(defaultModelsDir()));
    // A smooth pseudo-image in the model's input range.
    input = uniformArray(createRng(3), 224 * 224 * 3, -1, 1);
    inputFile = path.join(dir, 'input.npy');
    writeFileSync(inputFile, encodeNpy(input, [1, 224, 224, 3]));
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (model) tf.dispose(Object.values(model.weights));
  });

  it('occlusion --json equals a per-position loop', async () => {
    const r = await convlab(['occlusion', '--model', MODEL, '--npy', inputFile, '--class', '7', '--window', '56', '--stride', '56', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { classIndex: number; baseline: number; rows: number; cols: number; probabilities: number[][] };
    expect([out.classIndex, out.rows, out.cols]).toEqual([7, 4, 4]);
    const x = tf.tensor4d(input, [1, 224, 224, 3]);
    const base = forward(model, x);
    expect(out.baseline).toBeCloseTo(base.probabilities.dataSync()[7], 5);
    tf.dispose([x, base.output, base.logits, base.probabilities]);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) {
      const occluded = Float32Array.from(input);
      for (let y = i * 56; y < i * 56 + 56; y++) occluded.fill(0, (y * 224 + j * 56) * 3, (y * 224 + j * 56 + 56) * 3);
      const t = tf.tensor4d(occluded, [1, 224, 224, 3]);
      const f = forward(model, t);
      expect(out.probabilities[i][j]).toBeCloseTo(f.probabilities.dataSync()[7], 5);
      tf.dispose([t, f.output, f.logits, f.probabilities]);
    }
  }, 120_000);

  it('saliency --out-npy writes the raw input gradient of the score before softmax', async () => {
    const file = path.join(dir, 'grad.npy');
    for (const method of ['vanilla', 'guided'] as const) {
      const r = await convlab(['saliency', '--model', MODEL, '--npy', inputFile, '--class', '386', '--method', method, '--out-npy', file]);
      expect(r.code).toBe(0);
      const npy = parseNpy(new Uint8Array(readFileSync(file)));
      expect(npy.shape).toEqual([1, 224, 224, 3]);
      const x = tf.tensor4d(input, [1, 224, 224, 3]);
      const g = inputGradient(model, x, { kind: 'class', index: 386 }, { reluMode: method === 'vanilla' ? 'standard' : 'guided' });
      const ref = g.gradient.dataSync();
      let maxDiff = 0;
      let maxRef = 0;
      for (let i = 0; i < ref.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(ref[i] - npy.data[i]));
        maxRef = Math.max(maxRef, Math.abs(ref[i]));
      }
      expect(maxDiff).toBeLessThan(1e-6 * Math.max(1, maxRef));
      tf.dispose([x, g.gradient, g.value]);
    }
  }, 120_000);

  it('saliency --neuron LAYER:CHANNEL uses the channel\'s strongest position, as the executor and the labs do', async () => {
    const file = path.join(dir, 'neuron.npy');
    const r = await convlab(['saliency', '--model', MODEL, '--npy', inputFile, '--neuron', 'conv_pw_3_relu:5', '--method', 'vanilla', '--out-npy', file, '--json']);
    expect(r.code).toBe(0);
    const x = tf.tensor4d(input, [1, 224, 224, 3]);
    // The strongest position by hand: the first maximum of channel 5 in row-major order.
    const act = activations(model, x, ['conv_pw_3_relu'])['conv_pw_3_relu'];
    const [, h, w, c] = act.shape;
    const data = act.dataSync();
    let best = 0;
    for (let i = 1; i < h * w; i++) if (data[i * c + 5] > data[best * c + 5]) best = i;
    const [y, xx] = [Math.floor(best / w), best % w];
    expect(JSON.parse(r.stdout).objective).toBe(`neuron conv_pw_3_relu[5] at (${y}, ${xx}), its strongest position`);
    expect([y, xx]).not.toEqual([0, 0]);
    // The gradient is the executor's for the neuron without a position (its strongest-position rule).
    const g = inputGradient(model, x, { kind: 'neuron', node: 'conv_pw_3_relu', channel: 5 });
    const npy = parseNpy(new Uint8Array(readFileSync(file)));
    const ref = g.gradient.dataSync();
    let maxDiff = 0;
    let maxRef = 0;
    for (let i = 0; i < ref.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ref[i] - npy.data[i]));
      maxRef = Math.max(maxRef, Math.abs(ref[i]));
    }
    expect(maxRef).toBeGreaterThan(0);
    expect(maxDiff).toBeLessThan(1e-6 * Math.max(1, maxRef));
    tf.dispose([x, act, g.gradient, g.value]);
  }, 120_000);

  it('ascent --out-npy is the same image for the same seed, in the valid range', async () => {
    const a = path.join(dir, 'a.npy');
    const b = path.join(dir, 'b.npy');
    const args = ['ascent', '--model', MODEL, '--class', 'lemon', '--steps', '3', '--lr', '0.05', '--l2', '0.001', '--optimizer', 'adam', '--jitter', '4', '--blur-every', '2', '--blur-width', '0.5', '--init', 'noise', '--seed', '5'];
    expect((await convlab([...args, '--out-npy', a])).code).toBe(0);
    expect((await convlab([...args, '--out-npy', b])).code).toBe(0);
    const A = parseNpy(new Uint8Array(readFileSync(a)));
    const B = parseNpy(new Uint8Array(readFileSync(b)));
    expect(A.shape).toEqual([1, 224, 224, 3]);
    expect(Array.from(A.data)).toEqual(Array.from(B.data));
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of A.data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThanOrEqual(-1 - 1e-6);
    expect(hi).toBeLessThanOrEqual(1 + 1e-6);
    const bad = await convlab(['ascent', '--model', MODEL, '--class', 'lemon', '--clip', 'sometimes', '--out-npy', a]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--clip must be valid or none/);
  }, 120_000);
});

describe('convlab conv and pool explain one output by hand', () => {
  // The 4×4 map 1..16, row-major.
  let dir: string;
  let mapFile: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'convlab-explain-'));
    mapFile = path.join(dir, 'map.npy');
    writeFileSync(mapFile, encodeNpy(Float32Array.from({ length: 16 }, (_, i) => i + 1), [4, 4]));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('conv: valid padding, the window centred on the source pixel, products and sum', async () => {
    const r = await convlab(['conv', '--npy', mapFile, '--kernel', '1,0,0;0,2,0;0,0,-1', '--bias', '0.5', '--padding', 'valid', '--at', '0,1', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.output).toEqual([2, 2, 1]);
    expect(out.breakdown.window).toEqual([[2, 3, 4], [6, 7, 8], [10, 11, 12]]);
    expect(out.breakdown.products).toEqual([[2, 0, 0], [0, 14, 0], [0, 0, -12]]);
    expect(out.breakdown.output).toBeCloseTo(2 + 14 - 12 + 0.5, 5);
  });

  it('pool: average of the 2×2 window, and a clear error for a bad --npy', async () => {
    const r = await convlab(['pool', '--npy', mapFile, '--kind', 'avg', '--size', '2', '--at', '1,0', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.breakdown.window).toEqual([[9, 10], [13, 14]]);
    expect(out.breakdown.output).toBeCloseTo(11.5, 5);
    const bad = path.join(dir, 'bad.npy');
    writeFileSync(bad, encodeNpy(new Float32Array(8), [2, 2, 2, 1]));
    const refused = await convlab(['pool', '--npy', bad, '--json']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--npy must be [H,W], [H,W,C] or [1,H,W,C]');
  });
});
