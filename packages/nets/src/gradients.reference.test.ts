/** Executor gradients against tfjs's own gradients (tf.grad through a plain-ops reference, cpu backend). */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { relError, useBackend } from './testing/backends';
import { randomTensor, randomWeights, referenceForward } from './testing/reference';
import { Executor } from './executor';
import { mixedNet, depthwiseNet, sameNet, stridedNet } from './testing/nets';
import { analyzeGraph } from './graph.analysis';
import type { Graph, GraphNode } from './graph.types';
import type { GradientObjective } from './executor.types';
import { inputGrad, testModel } from './testing/gradients';

const BACKENDS = ['cpu', 'wasm'] as const;

afterAll(() => useBackend('cpu'));

/** The sub-graph that starts at node `from` (which becomes the input) — to differentiate the reference w.r.t. it. */
function subgraphFrom(graph: Graph, from: string): Graph {
  const shape = analyzeGraph(graph).find((i) => i.id === from)!.shape;
  const nodes: GraphNode[] = [{ op: 'input', id: from, inputs: [], shape }];
  const reachable = new Set([from]);
  for (const n of graph.nodes) {
    if (n.id !== from && n.inputs.some((i) => reachable.has(i))) {
      reachable.add(n.id);
      nodes.push(n);
    }
  }
  return { ...graph, nodes };
}

function refObjective(act: tf.Tensor, o: GradientObjective): tf.Scalar {
  const n = act.shape[0];
  switch (o.kind) {
    case 'class': return tf.sum(tf.slice(tf.reshape(act, [n, -1]), [0, o.index as number], [n, 1]));
    case 'neuron': return tf.sum(tf.slice(act, [0, o.y ?? 0, o.x ?? 0, o.channel], [n, 1, 1, 1]));
    case 'channelMean': return tf.div(tf.sum(tf.slice(act, [0, 0, 0, o.channel], [n, -1, -1, 1])), act.shape[1]! * act.shape[2]!);
    case 'weighted': return tf.sum(tf.mul(act, o.weights));
  }
}

describe('standard gradients against tf.grad on cpu', () => {
  const cases: Array<{ name: string; graph: () => Graph; shape: number[]; objectives: Array<{ o: GradientObjective; node: string }> }> = [
    {
      name: 'mixed', graph: mixedNet, shape: [2, 9, 9, 3],
      objectives: [
        { o: { kind: 'class', index: 2 }, node: 'fc' },
        { o: { kind: 'neuron', node: 'r3', channel: 3, y: 1, x: 2 }, node: 'r3' },
        { o: { kind: 'channelMean', node: 'dw', channel: 5 }, node: 'dw' },
        { o: { kind: 'channelMean', node: 'sum', channel: 6 }, node: 'sum' },
      ],
    },
    {
      name: 'depthwise', graph: depthwiseNet, shape: [2, 11, 10, 2],
      objectives: [
        { o: { kind: 'class', index: 1 }, node: 'fc' },
        { o: { kind: 'neuron', node: 'dw2', channel: 4, y: 1, x: 1 }, node: 'dw2' },
        { o: { kind: 'channelMean', node: 'dw3', channel: 2 }, node: 'dw3' },
      ],
    },
    {
      name: 'stride-1 same', graph: sameNet, shape: [2, 7, 6, 3],
      objectives: [
        { o: { kind: 'class', index: 2 }, node: 'fc' },
        { o: { kind: 'channelMean', node: 'c2', channel: 1 }, node: 'c2' },
      ],
    },
    {
      name: 'strided', graph: stridedNet, shape: [2, 16, 15, 3],
      objectives: [
        { o: { kind: 'class', index: 1 }, node: 'fc' },
        { o: { kind: 'channelMean', node: 's2', channel: 3 }, node: 's2' },
      ],
    },
  ];

  for (const c of cases) {
    it(`${c.name}: executor gradients (cpu and wasm) equal tf.grad of the plain-ops reference (cpu)`, async () => {
      await useBackend('cpu');
      const graph = c.graph();
      const w = randomWeights(graph, 21);
      const x = randomTensor(c.shape, 22) as tf.Tensor4D;
      const m = testModel(graph, w);
      for (const { o, node } of c.objectives) {
        const want = tf.grad((a: tf.Tensor) => refObjective(referenceForward(graph, w, a).get(node)!, o))(x);
        const wantData = want.dataSync().slice();
        const cpu = inputGrad(m, x, o);
        expect(relError(cpu, wantData), `cpu ${JSON.stringify(o)}`).toBeLessThan(1e-5);
        await useBackend('wasm');
        const xw = tf.tensor(x.dataSync(), x.shape) as tf.Tensor4D;
        const mw = testModel(graph, Object.fromEntries(Object.entries(w).map(([k, t]) => [k, tf.tensor(t.dataSync(), t.shape)])));
        const wasm = inputGrad(mw, xw, o);
        expect(relError(wasm, wantData), `wasm ${JSON.stringify(o)}`).toBeLessThan(1e-4);
        tf.dispose([xw, ...Object.values(mw.weights)]);
        await useBackend('cpu');
        want.dispose();
      }
      tf.dispose([x, ...Object.values(w)]);
    });
  }

  it('weighted objective and gradient w.r.t. an inner node (wrt) match tf.grad', async () => {
    await useBackend('cpu');
    const graph = depthwiseNet();
    const w = randomWeights(graph, 31);
    const x = randomTensor([2, 11, 10, 2], 32) as tf.Tensor4D;
    const m = testModel(graph, w);
    const weights = randomTensor([3, 2, 6], 33);
    const o: GradientObjective = { kind: 'weighted', node: 'r2', weights };
    const want = tf.grad((a: tf.Tensor) => refObjective(referenceForward(graph, w, a).get('r2')!, o))(x);
    expect(relError(inputGrad(m, x, o), want.dataSync())).toBeLessThan(1e-5);
    // d class / d r1: differentiate the reference sub-graph that starts at r1.
    const r1 = referenceForward(graph, w, x).get('r1')!;
    const sub = subgraphFrom(graph, 'r1');
    const wantR1 = tf.grad((a: tf.Tensor) => refObjective(referenceForward(sub, w, a).get('fc')!, { kind: 'class', index: 3 }))(r1);
    for (const backend of BACKENDS) {
      await useBackend(backend);
      const xb = tf.tensor(x.dataSync(), x.shape) as tf.Tensor4D;
      const mb = testModel(graph, Object.fromEntries(Object.entries(w).map(([k, t]) => [k, tf.tensor(t.dataSync(), t.shape)])));
      const ex = new Executor(mb);
      const r = ex.gradient(xb, { kind: 'class', index: 3 }, { wrt: 'r1' });
      expect(r.gradient.shape).toEqual(r1.shape);
      expect(relError(r.gradient.dataSync(), wantR1.dataSync()), backend).toBeLessThan(1e-4);
      expect(r.value.shape).toEqual([2]);
      tf.dispose([r.gradient, r.value, xb, ...Object.values(mb.weights)]);
      ex.dispose();
    }
    await useBackend('cpu');
    tf.dispose([x, weights, want, wantR1, ...Object.values(w)]);
  });

});
