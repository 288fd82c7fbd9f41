/**
 * The ONNX operators the reference models do not cover (grouped and dilated convolutions, auto_pad SAME_LOWER, Pad,
 * AveragePool counting pads, Mul/Add by constants, LeakyRelu, Sigmoid, Gemm's alpha/beta, Reshape, Softmax) against a
 * naive NCHW interpreter written here from the ONNX operator definitions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../testing/backends';
import { rng } from '../testing/random';
import { writeOnnx, type OnnxInitSpec, type OnnxNodeSpec } from '../testing/onnx-writer';
import { disposeModel, Executor } from '../executor';
import { importOnnx } from './onnx.importer';

/** A [C, H, W] feature map. */
interface Map3 { c: number; h: number; w: number; d: Float32Array }

const at = (m: Map3, c: number, y: number, x: number) => m.d[(c * m.h + y) * m.w + x];

function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** ONNX Conv with explicit pads [t, l, b, r]. */
function conv(x: Map3, w: Float32Array, b: Float32Array, o: number, k: number, s: number, d: number, g: number, p: number[]): Map3 {
  const ig = x.c / g;
  const keff = d * (k - 1) + 1;
  const h = Math.floor((x.h + p[0] + p[2] - keff) / s) + 1;
  const wd = Math.floor((x.w + p[1] + p[3] - keff) / s) + 1;
  const out: Map3 = { c: o, h, w: wd, d: new Float32Array(o * h * wd) };
  for (let f = 0; f < o; f++) {
    const grp = Math.floor(f / (o / g));
    for (let i = 0; i < h; i++) for (let j = 0; j < wd; j++) {
      let sum = b[f];
      for (let ci = 0; ci < ig; ci++) for (let a = 0; a < k; a++) for (let e = 0; e < k; e++) {
        const y = i * s - p[0] + a * d;
        const xx = j * s - p[1] + e * d;
        if (y < 0 || y >= x.h || xx < 0 || xx >= x.w) continue;
        sum += w[((f * ig + ci) * k + a) * k + e] * at(x, grp * ig + ci, y, xx);
      }
      out.d[(f * h + i) * wd + j] = sum;
    }
  }
  return out;
}

/** ONNX MaxPool / AveragePool with pads [t, l, b, r] (AveragePool counting pads), no ceil_mode. */
function pool(x: Map3, k: number, s: number, p: number[], kind: 'max' | 'avg'): Map3 {
  const h = Math.floor((x.h + p[0] + p[2] - k) / s) + 1;
  const wd = Math.floor((x.w + p[1] + p[3] - k) / s) + 1;
  const out: Map3 = { c: x.c, h, w: wd, d: new Float32Array(x.c * h * wd) };
  for (let c = 0; c < x.c; c++) for (let i = 0; i < h; i++) for (let j = 0; j < wd; j++) {
    let acc = kind === 'max' ? -Infinity : 0;
    for (let a = 0; a < k; a++) for (let e = 0; e < k; e++) {
      const y = i * s - p[0] + a;
      const xx = j * s - p[1] + e;
      const v = y < 0 || y >= x.h || xx < 0 || xx >= x.w ? (kind === 'max' ? -Infinity : 0) : at(x, c, y, xx);
      acc = kind === 'max' ? Math.max(acc, v) : acc + v;
    }
    out.d[(c * h + i) * wd + j] = kind === 'max' ? acc : acc / (k * k);
  }
  return out;
}

const mapEach = (m: Map3, f: (v: number, c: number) => number): Map3 => ({ ...m, d: m.d.map((v, i) => f(v, Math.floor(i / (m.h * m.w)))) });

describe('ONNX operators against a naive NCHW interpreter', () => {
  beforeAll(() => useBackend('cpu'));

  it('a graph of every less common operator and attribute gives the same scores', async () => {
    const inits: OnnxInitSpec[] = [];
    let seed = 200;
    const init = (name: string, dims: number[], lo = -0.5, hi = 0.5) => {
      const data = values(dims.reduce((a, b) => a * b, 1), seed++, lo, hi);
      inits.push({ name, dims, data });
      return data;
    };
    const w1 = init('w1', [6, 3, 3, 3]); const b1 = init('b1', [6]);
    const w2 = init('w2', [6, 2, 3, 3]); const b2 = init('b2', [6]);
    const scale = init('scale', [1, 6, 1, 1], 0.5, 2);
    inits.push({ name: 'shift', dims: [], data: Float32Array.of(0.25) });
    inits.push({ name: 'pads', dims: [8], int64: [0, 0, 1, 0, 0, 0, 0, 1] });
    const w3 = init('w3', [12, 1, 3, 3]); const b3 = init('b3', [12]);
    const fc = init('fc', [12 * 2 * 2, 5]); const fcb = init('fcb', [5]);
    inits.push({ name: 'shape', dims: [2], int64: [0, -1] });
    const nodes: OnnxNodeSpec[] = [
      { op: 'Conv', inputs: ['input', 'w1', 'b1'], outputs: ['c1'], attrs: { kernel_shape: { ints: [3, 3] }, dilations: { ints: [2, 2] }, pads: { ints: [2, 1, 2, 1] } } },
      { op: 'LeakyRelu', inputs: ['c1'], outputs: ['l1'], attrs: { alpha: { f: 0.1 } } },
      { op: 'Conv', inputs: ['l1', 'w2', 'b2'], outputs: ['c2'], attrs: { group: { i: 3 }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } } },
      { op: 'Mul', inputs: ['c2', 'scale'], outputs: ['m'] },
      { op: 'Add', inputs: ['shift', 'm'], outputs: ['a'] },
      { op: 'Pad', inputs: ['a', 'pads'], outputs: ['p'] },
      { op: 'AveragePool', inputs: ['p'], outputs: ['ap'], attrs: { kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] }, count_include_pad: { i: 1 } } },
      { op: 'Conv', inputs: ['ap', 'w3', 'b3'], outputs: ['c3'], attrs: { group: { i: 6 }, kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, auto_pad: { s: 'SAME_LOWER' } } },
      { op: 'Sigmoid', inputs: ['c3'], outputs: ['sg'] },
      { op: 'MaxPool', inputs: ['sg'], outputs: ['mp'], attrs: { kernel_shape: { ints: [2, 2] }, strides: { ints: [1, 1] } } },
      { op: 'Reshape', inputs: ['mp', 'shape'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'fc', 'fcb'], outputs: ['g'], attrs: { alpha: { f: 0.5 }, beta: { f: 2 } } },
      { op: 'Softmax', inputs: ['g'], outputs: ['y'], attrs: { axis: { i: 1 } } },
    ];
    const model = await importOnnx(writeOnnx({
      input: { name: 'input', dims: [1, 3, 9, 9] }, output: { name: 'y', dims: [1, 5] }, nodes, initializers: inits,
    }));
    expect(model.meta.outputKind).toBe('probabilities');

    const x: Map3 = { c: 3, h: 9, w: 9, d: values(3 * 81, 9) };
    let m = conv(x, w1, b1, 6, 3, 1, 2, 1, [2, 1, 2, 1]);
    m = mapEach(m, (v) => (v > 0 ? v : 0.1 * v));
    m = conv(m, w2, b2, 6, 3, 2, 1, 3, [1, 1, 1, 1]);
    m = mapEach(m, (v, c) => v * scale[c] + 0.25);
    // Pad: one row on top, one column on the right.
    const padded: Map3 = { c: 6, h: m.h + 1, w: m.w + 1, d: new Float32Array(6 * (m.h + 1) * (m.w + 1)) };
    for (let c = 0; c < 6; c++) for (let i = 0; i < m.h; i++) for (let j = 0; j < m.w; j++) padded.d[(c * padded.h + i + 1) * padded.w + j] = at(m, c, i, j);
    m = pool(padded, 3, 1, [1, 1, 1, 1], 'avg');
    // SAME_LOWER, stride 2, kernel 3: the odd pad pixel goes to the start.
    const [th, tw] = [m.h, m.w].map((n) => Math.max((Math.ceil(n / 2) - 1) * 2 + 3 - n, 0));
    m = conv(m, w3, b3, 12, 3, 2, 1, 6, [Math.ceil(th / 2), Math.ceil(tw / 2), Math.floor(th / 2), Math.floor(tw / 2)]);
    m = mapEach(m, (v) => 1 / (1 + Math.exp(-v)));
    m = pool(m, 2, 1, [0, 0, 0, 0], 'max');
    expect([m.c, m.h, m.w]).toEqual([12, 2, 2]);
    const logits = Array.from({ length: 5 }, (_, u) => 0.5 * Array.from(m.d).reduce((s, v, i) => s + v * fc[i * 5 + u], 0) + 2 * fcb[u]);
    const e = logits.map((v) => Math.exp(v - Math.max(...logits)));
    const expected = e.map((v) => v / e.reduce((a, b) => a + b, 0));

    const ex = new Executor(model);
    const input = tf.tidy(() => tf.transpose(tf.tensor(x.d, [1, 3, 9, 9]), [0, 2, 3, 1])) as tf.Tensor4D;
    const r = ex.forward(input);
    const got = Array.from(r.probabilities.dataSync());
    expected.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    tf.dispose([input, r.output, r.logits, r.probabilities]);
    ex.dispose();
    disposeModel(model);
  });
});
