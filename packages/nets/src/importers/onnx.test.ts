/**
 * ONNX importer on small synthetic graphs written by a tiny protobuf writer: NCHW semantics (flatten order, ceil_mode),
 * gradients through an imported ResNet basic block and a DenseNet dense layer against finite differences, external
 * data beside the model, and bad files refused with their messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useBackend } from '../testing/backends';
import { rng } from '../testing/random';
import { writeOnnx, type OnnxInitSpec, type OnnxModelSpec, type OnnxNodeSpec } from '../testing/onnx-writer';
import { createFileReader, defaultModelsDir, pathExists } from '../node';
import { disposeModel, Executor } from '../executor';
import { importOnnx } from './onnx.importer';

/** Seeded uniform values in [lo, hi). */
function values(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** A small graph builder: initializers with seeded values and nodes, named in order. */
class Spec {
  nodes: OnnxNodeSpec[] = [];
  inits: OnnxInitSpec[] = [];
  private seed = 100;

  init(name: string, dims: number[], lo = -0.5, hi = 0.5): string {
    this.inits.push({ name, dims, data: values(dims.reduce((a, b) => a * b, 1), this.seed++, lo, hi) });
    return name;
  }

  node(op: string, inputs: string[], output: string, attrs: OnnxNodeSpec['attrs'] = {}): string {
    this.nodes.push({ op, inputs, outputs: [output], name: output, attrs });
    return output;
  }

  conv(x: string, name: string, cin: number, cout: number, k: number, pad: number): string {
    return this.node('Conv', [x, this.init(`${name}.w`, [cout, cin, k, k]), this.init(`${name}.b`, [cout])], name, {
      kernel_shape: { ints: [k, k] }, pads: { ints: [pad, pad, pad, pad] }, strides: { ints: [1, 1] },
    });
  }

  bn(x: string, name: string, c: number): string {
    const ps = [this.init(`${name}.g`, [c], 0.5, 1.5), this.init(`${name}.b`, [c]), this.init(`${name}.m`, [c]), this.init(`${name}.v`, [c], 0.5, 2)];
    return this.node('BatchNormalization', [x, ...ps], name, { epsilon: { f: 1e-5 } });
  }

  head(x: string, c: number, classes: number): string {
    const g = this.node('GlobalAveragePool', [x], 'gap');
    const f = this.node('Flatten', [g], 'flat', { axis: { i: 1 } });
    return this.node('Gemm', [f, this.init('fc.w', [classes, c]), this.init('fc.b', [classes])], 'logits', { transB: { i: 1 } });
  }

  model(inputDims: number[], outDims: number[], output: string): OnnxModelSpec {
    return {
      input: { name: 'input', dims: [null, ...inputDims.slice(1)] }, output: { name: output, dims: [null, ...outDims.slice(1)] },
      nodes: this.nodes, initializers: this.inits,
    };
  }
}

/** ResNet basic block (conv-bn-relu-conv-bn + identity, relu) after a stem conv, with a classifier head. */
function resnetBlock(): Uint8Array {
  const s = new Spec();
  const stem = s.node('Relu', [s.conv('input', 'stem', 3, 4, 3, 1)], 'stem_relu');
  const a = s.node('Relu', [s.bn(s.conv(stem, 'conv1', 4, 4, 3, 1), 'bn1', 4)], 'relu1');
  const b = s.bn(s.conv(a, 'conv2', 4, 4, 3, 1), 'bn2', 4);
  const out = s.node('Relu', [s.node('Add', [b, stem], 'add')], 'relu2');
  return writeOnnx(s.model([1, 3, 6, 6], [1, 3], s.head(out, 4, 3)));
}

/** DenseNet dense layer (bn-relu-conv1x1-bn-relu-conv3x3, concatenated to its input) and a transition with AveragePool. */
function denseLayer(): Uint8Array {
  const s = new Spec();
  const x = s.conv('input', 'stem', 3, 4, 3, 1);
  const h = s.node('Relu', [s.bn(x, 'norm1', 4)], 'relu1');
  const h2 = s.node('Relu', [s.bn(s.conv(h, 'conv1', 4, 8, 1, 0), 'norm2', 8)], 'relu2');
  const cat = s.node('Concat', [x, s.conv(h2, 'conv2', 8, 2, 3, 1)], 'concat', { axis: { i: 1 } });
  const t = s.conv(s.node('Relu', [s.bn(cat, 'tnorm', 6)], 'trelu'), 'tconv', 6, 4, 1, 0);
  const p = s.node('AveragePool', [t], 'pool', { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } });
  return writeOnnx(s.model([1, 3, 6, 6], [1, 3], s.head(p, 4, 3)));
}

/** Max relative gap between the input gradient and central finite differences along random directions. */
function finiteDifferenceGap(ex: Executor, x: tf.Tensor4D): number {
  let worst = 0;
  for (const seed of [7, 8, 9]) {
    const d = tf.tensor(values(x.size, seed), x.shape) as tf.Tensor4D;
    const g = ex.gradient(x, { kind: 'class', index: 1 });
    const analytic = tf.sum(tf.mul(g.gradient, d)).dataSync()[0];
    const eps = 2e-4; // small enough that no ReLU input crosses zero on these tiny nets, large enough for float32
    const at = (sgn: number) => {
      const xs = tf.add(x, tf.mul(d, sgn * eps)) as tf.Tensor4D;
      const r = ex.forward(xs);
      const v = r.logits.dataSync()[1];
      tf.dispose([xs, r.logits, r.probabilities, r.output]);
      return v;
    };
    const numeric = (at(1) - at(-1)) / (2 * eps);
    worst = Math.max(worst, Math.abs(numeric - analytic) / Math.max(Math.abs(analytic), 1e-3));
    tf.dispose([d, g.gradient, g.value]);
  }
  return worst;
}

describe('ONNX importer on synthetic graphs', () => {
  beforeAll(() => useBackend('cpu'));

  for (const [name, bytes] of [['ResNet basic block', resnetBlock], ['DenseNet dense layer', denseLayer]] as const) {
    it(`gradients through an imported ${name} match finite differences`, async () => {
      const model = await importOnnx(bytes(), { id: name });
      expect(model.meta.inputSize).toEqual([6, 6]);
      const ex = new Executor(model);
      const x = tf.tensor(values(6 * 6 * 3, 3), [1, 6, 6, 3]) as tf.Tensor4D;
      expect(finiteDifferenceGap(ex, x)).toBeLessThan(2e-2);
      tf.dispose(x);
      ex.dispose();
      disposeModel(model);
    });
  }

  it('flattens in NCHW order and rounds MaxPool up with ceil_mode, as ONNX defines them', async () => {
    // [1, 3, 5, 5] → MaxPool 2×2 stride 2 ceil_mode → [1, 3, 3, 3] → Flatten (NCHW order) → MatMul [27, 4].
    const w = values(27 * 4, 5);
    const bytes = writeOnnx({
      input: { name: 'input', dims: [1, 3, 5, 5] }, output: { name: 'y', dims: [1, 4] },
      initializers: [{ name: 'w', dims: [27, 4], data: w }],
      nodes: [
        { op: 'MaxPool', inputs: ['input'], outputs: ['p'], attrs: { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] }, ceil_mode: { i: 1 } } },
        { op: 'Flatten', inputs: ['p'], outputs: ['f'] },
        { op: 'MatMul', inputs: ['f', 'w'], outputs: ['y'] },
      ],
    });
    const model = await importOnnx(bytes);
    const nchw = values(75, 6);
    // The expected output, computed directly on the NCHW array.
    const pooled: number[] = [];
    for (let c = 0; c < 3; c++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      let m = -Infinity;
      for (let a = 2 * i; a < Math.min(2 * i + 2, 5); a++) for (let b = 2 * j; b < Math.min(2 * j + 2, 5); b++) m = Math.max(m, nchw[c * 25 + a * 5 + b]);
      pooled.push(m);
    }
    const expected = [0, 1, 2, 3].map((u) => pooled.reduce((s, v, k) => s + v * w[k * 4 + u], 0));
    const x = tf.tidy(() => tf.transpose(tf.tensor(nchw, [1, 3, 5, 5]), [0, 2, 3, 1])) as tf.Tensor4D;
    const ex = new Executor(model);
    const { logits } = ex.forward(x);
    const got = Array.from(logits.dataSync());
    expected.forEach((e, u) => expect(got[u]).toBeCloseTo(e, 4));
    tf.dispose([x, logits]);
    ex.dispose();
    disposeModel(model);
  });

  describe('external data', () => {
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'convlab-onnx-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const withExternal = (location: string) => writeOnnx({
      input: { name: 'input', dims: [1, 3, 2, 2] }, output: { name: 'y', dims: [1, 2] },
      initializers: [{ name: 'w', dims: [12, 2], data: values(24, 11), external: { location, offset: 8 } }],
      nodes: [{ op: 'Flatten', inputs: ['input'], outputs: ['f'] }, { op: 'MatMul', inputs: ['f', 'w'], outputs: ['y'] }],
    });

    it('reads initializers from a file beside the model', async () => {
      const w = values(24, 11);
      writeFileSync(path.join(dir, 'weights.bin'), Buffer.concat([Buffer.alloc(8), Buffer.from(w.buffer)]));
      const model = await importOnnx(withExternal('weights.bin'), { reader: createFileReader(dir) });
      const dense = model.graph.nodes.find((n) => n.op === 'dense')!;
      expect(dense.op === 'dense' && model.weights[dense.kernel].shape).toEqual([12, 2]);
      disposeModel(model);
    });

    for (const location of ['../weights.bin', 'sub/../../weights.bin', '/etc/passwd', 'C:\\weights.bin']) {
      it(`refuses external data at '${location}', outside the model's folder`, async () => {
        await expect(importOnnx(withExternal(location), { reader: createFileReader(dir) }))
          .rejects.toThrow(`tensor 'w' points to external data '${location}' outside the model's folder`);
      });
    }
  });

  describe('bad files are refused with their messages', () => {
    const tiny = (patch: Partial<OnnxModelSpec> = {}, nodes?: OnnxNodeSpec[]) => writeOnnx({
      input: { name: 'input', dims: [1, 3, 4, 4] }, output: { name: 'y', dims: [1, 3] },
      nodes: nodes ?? [{ op: 'GlobalAveragePool', inputs: ['input'], outputs: ['g'] }, { op: 'Flatten', inputs: ['g'], outputs: ['y'] }],
      ...patch,
    });

    it('accepts the well-formed tiny model these are made from', async () => {
      const m = await importOnnx(tiny());
      expect(m.meta.numClasses).toBe(3);
      disposeModel(m);
    });

    it('truncated', async () => {
      const bytes = tiny();
      await expect(importOnnx(bytes.subarray(0, bytes.length - 9))).rejects.toThrow(/the file is truncated or not an ONNX model/);
      const real = path.join(defaultModelsDir(), 'onnx', 'squeezenet1_1.onnx');
      if (pathExists(real)) {
        const b = new Uint8Array(readFileSync(real));
        await expect(importOnnx(b.subarray(0, b.length >> 1))).rejects.toThrow(/truncated/);
      }
    });

    it('unsupported operator, named with its node', async () => {
      await expect(importOnnx(tiny({}, [{ op: 'Erf', name: 'erf_7', inputs: ['input'], outputs: ['y'] }])))
        .rejects.toThrow("ONNX operator Erf (node 'erf_7') is not supported; supported operators: Add,");
    });

    it('unsupported attribute value, named with operator, attribute and node', async () => {
      const nodes: OnnxNodeSpec[] = [
        { op: 'GlobalAveragePool', inputs: ['input'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
        { op: 'Clip', name: 'clip_3', inputs: ['f', 'lo', 'hi'], outputs: ['y'] },
      ];
      const initializers = [{ name: 'lo', dims: [], data: Float32Array.of(0) }, { name: 'hi', dims: [], data: Float32Array.of(5) }];
      await expect(importOnnx(tiny({ initializers }, nodes))).rejects.toThrow("ONNX Clip node 'clip_3': attribute max = 5 is not supported");
      const pool: OnnxNodeSpec[] = [
        { op: 'AveragePool', name: 'pool_1', inputs: ['input'], outputs: ['p'], attrs: { kernel_shape: { ints: [3, 3] }, pads: { ints: [0, 0, 1, 1] } } },
        { op: 'GlobalAveragePool', inputs: ['p'], outputs: ['g'] }, { op: 'Flatten', inputs: ['g'], outputs: ['y'] },
      ];
      await expect(importOnnx(tiny({}, pool))).rejects.toThrow("ONNX AveragePool node 'pool_1': attribute count_include_pad = 0 is not supported");
    });

    it('fp16 weights', async () => {
      const nodes: OnnxNodeSpec[] = [
        { op: 'GlobalAveragePool', inputs: ['input'], outputs: ['g'] }, { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
        { op: 'MatMul', inputs: ['f', 'w'], outputs: ['y'] },
      ];
      const initializers = [{ name: 'w', dims: [3, 3], data: new Float32Array(3 * 3 / 2), dataType: 10 }];
      await expect(importOnnx(tiny({ initializers }, nodes))).rejects.toThrow("tensor 'w' holds float16 weights; ConvLab imports float32 models");
    });

    it('wrong input rank', async () => {
      await expect(importOnnx(tiny({ input: { name: 'input', dims: [null, 3, 224] } })))
        .rejects.toThrow("input 'input' has shape [?, 3, 224] (rank 3); ConvLab imports image classifiers with one NCHW input [batch, 3, height, width]");
    });

    it('an opset outside 13–18', async () => {
      await expect(importOnnx(tiny({ opset: 9 }))).rejects.toThrow('ONNX opset 9 is not supported: export with opset 13 to 18');
    });
  });
});
