import { describe, expect, it } from 'vitest';
import { analyzeGraph, graphTotals, receptiveFieldBox, resolveAxis } from './graph.analysis';
import { validateGraph, GraphError } from './graph';
import type { Graph } from './graph.types';

// A small stack whose numbers are worked out by hand in the comments below.
const stack: Graph = {
  format: 'convlab-graph',
  version: 1,
  output: 'fc',
  nodes: [
    { op: 'input', id: 'in', inputs: [], shape: [32, 32, 3] },
    { op: 'conv2d', id: 'c1', inputs: ['in'], filters: 8, kernelSize: [3, 3], strides: [1, 1], padding: 'same', dilation: [1, 1], groups: 1, depthwise: false, kernel: 'c1/k', bias: 'c1/b' },
    { op: 'relu', id: 'r1', inputs: ['c1'] },
    { op: 'maxPool', id: 'p1', inputs: ['r1'], poolSize: [2, 2], strides: [2, 2], padding: 'valid' },
    { op: 'conv2d', id: 'c2', inputs: ['p1'], filters: 16, kernelSize: [3, 3], strides: [2, 2], padding: 'valid', dilation: [1, 1], groups: 1, depthwise: false, kernel: 'c2/k' },
    { op: 'conv2d', id: 'dw', inputs: ['c2'], filters: 32, kernelSize: [3, 3], strides: [1, 1], padding: 'same', dilation: [1, 1], groups: 1, depthwise: true, kernel: 'dw/k' },
    { op: 'globalAvgPool', id: 'gap', inputs: ['dw'] },
    { op: 'dense', id: 'fc', inputs: ['gap'], units: 10, kernel: 'fc/k', bias: 'fc/b' },
  ],
};

describe('analyzeGraph', () => {
  const info = Object.fromEntries(analyzeGraph(stack).map((i) => [i.id, i]));

  it('computes output shapes', () => {
    expect(info.c1.shape).toEqual([32, 32, 8]);
    expect(info.p1.shape).toEqual([16, 16, 8]);
    expect(info.c2.shape).toEqual([7, 7, 16]); // floor((16 - 3) / 2) + 1
    expect(info.dw.shape).toEqual([7, 7, 32]);
    expect(info.gap.shape).toEqual([32]);
    expect(info.fc.shape).toEqual([10]);
  });

  it('counts parameters', () => {
    expect(info.c1.params).toBe(3 * 3 * 3 * 8 + 8); // 224
    expect(info.c2.params).toBe(3 * 3 * 8 * 16); // 1152, no bias
    expect(info.dw.params).toBe(3 * 3 * 16 * 2); // depth multiplier 2
    expect(info.fc.params).toBe(32 * 10 + 10);
    expect(info.r1.params + info.p1.params + info.gap.params).toBe(0);
    expect(graphTotals(stack).params).toBe(224 + 1152 + 288 + 330);
  });

  it('counts FLOPs (multiply-add = 2)', () => {
    expect(info.c1.flops).toBe(2 * 27 * 8 * 32 * 32 + 8 * 32 * 32); // 450560
    expect(info.r1.flops).toBe(8192);
    expect(info.p1.flops).toBe(16 * 16 * 8 * 4);
    expect(info.c2.flops).toBe(2 * 72 * 16 * 49); // 112896
    expect(info.dw.flops).toBe(2 * 9 * 32 * 49); // 28224
    expect(info.gap.flops).toBe(7 * 7 * 32);
    expect(info.fc.flops).toBe(2 * 32 * 10 + 10);
  });

  it('computes receptive fields (size, jump, centre of position 0)', () => {
    expect(info.in.receptiveField).toEqual({ size: [1, 1], jump: [1, 1], start: [0, 0] });
    // 3x3 'same' (pad 1): size 3, centre of output 0 on input pixel 0.
    expect(info.c1.receptiveField).toEqual({ size: [3, 3], jump: [1, 1], start: [0, 0] });
    // 2x2/2 pool: size 3 + 1 = 4, jump 2, centre between pixels 0 and 1.
    expect(info.p1.receptiveField).toEqual({ size: [4, 4], jump: [2, 2], start: [0.5, 0.5] });
    // 3x3/2 valid: size 4 + 2·2 = 8, jump 4, centre 0.5 + 1·2 = 2.5 → input pixels -1..6.
    expect(info.c2.receptiveField).toEqual({ size: [8, 8], jump: [4, 4], start: [2.5, 2.5] });
    expect(receptiveFieldBox(info.c2.receptiveField!, 0, 0)).toEqual([-1, -1, 6, 6]);
    expect(receptiveFieldBox(info.c2.receptiveField!, 1, 2)).toEqual([3, 7, 10, 14]);
    // 3x3 'same' depthwise: size 8 + 2·4 = 16, same centre.
    expect(info.dw.receptiveField).toEqual({ size: [16, 16], jump: [4, 4], start: [2.5, 2.5] });
    expect(info.gap.receptiveField).toBeNull();
    expect(info.fc.receptiveField).toBeNull();
  });

  it("follows TensorFlow's 'same' padding (extra pixel at the end)", () => {
    expect(resolveAxis(8, 3, 2, 1, 'same', 0)).toEqual({ out: 4, before: 0, after: 1 });
    expect(resolveAxis(7, 3, 2, 1, 'same', 0)).toEqual({ out: 4, before: 1, after: 1 });
    expect(resolveAxis(224, 7, 2, 1, 'same', 0)).toEqual({ out: 112, before: 2, after: 3 });
    expect(resolveAxis(10, 3, 1, 2, 'valid', 0)).toEqual({ out: 6, before: 0, after: 0 });
    expect(resolveAxis(10, 3, 1, 1, [[2, 1], [0, 0]], 0)).toEqual({ out: 11, before: 2, after: 1 });
  });

  it('handles zero padding, concat and dilation', () => {
    const g: Graph = {
      format: 'convlab-graph', version: 1, output: 'cat', nodes: [
        { op: 'input', id: 'in', inputs: [], shape: [9, 9, 2] },
        { op: 'zeroPad', id: 'zp', inputs: ['in'], padding: [[1, 1], [2, 0]] },
        { op: 'conv2d', id: 'a', inputs: ['zp'], filters: 4, kernelSize: [3, 3], strides: [1, 1], padding: 'valid', dilation: [2, 2], groups: 1, depthwise: false, kernel: 'a' },
        { op: 'conv2d', id: 'b', inputs: ['zp'], filters: 2, kernelSize: [5, 5], strides: [1, 1], padding: 'valid', dilation: [1, 1], groups: 2, depthwise: false, kernel: 'b' },
        { op: 'concat', id: 'cat', inputs: ['a', 'b'] },
      ],
    };
    const i = Object.fromEntries(analyzeGraph(g).map((n) => [n.id, n]));
    expect(i.zp.shape).toEqual([11, 11, 2]);
    expect(i.zp.receptiveField!.start).toEqual([-1, -2]);
    expect(i.a.shape).toEqual([7, 7, 4]); // effective kernel 5
    expect(i.a.receptiveField).toEqual({ size: [5, 5], jump: [1, 1], start: [1, 0] });
    expect(i.b.params).toBe(5 * 5 * 1 * 2); // 2 groups of 1 input channel
    expect(i.cat.shape).toEqual([7, 7, 6]);
    expect(i.cat.receptiveField).toEqual({ size: [5, 5], jump: [1, 1], start: [1, 0] });
  });

  it('rejects bad graphs with errors that name the node', () => {
    const bad: Graph = { ...stack, nodes: stack.nodes.map((n) => (n.id === 'c2' ? { ...n, inputs: ['nope'] } : n)) };
    expect(() => validateGraph(bad)).toThrow(/'c2' reads unknown node 'nope'/);
    const cyc: Graph = { ...stack, nodes: stack.nodes.map((n) => (n.id === 'c1' ? { ...n, inputs: ['r1'] } : n)) };
    expect(() => validateGraph(cyc)).toThrow(GraphError);
    const op = { ...stack, nodes: [...stack.nodes, { op: 'lstm', id: 'x', inputs: ['fc'] }] } as unknown as Graph;
    expect(() => validateGraph(op)).toThrow(/unsupported op 'lstm'.*supported: input, conv2d/);
    const dense: Graph = { ...stack, nodes: stack.nodes.map((n) => (n.id === 'fc' ? { ...n, inputs: ['dw'] } : n)) };
    expect(() => analyzeGraph(dense)).toThrow(/dense 'fc' needs a vector input/);
  });

  it('graphs survive a JSON round trip unchanged', () => {
    expect(JSON.parse(JSON.stringify(stack))).toEqual(stack);
  });
});
