/** Test helper: tiny graphs that together use every node type and every convolution variant. */
import { GraphBuilder } from '../graph.builder';
import type { Graph } from '../graph.types';

/** Net A: every node type, BN after conv and depthwise, fused and unfused activations, branches, softmax head. */
export function mixedNet(): Graph {
  const b = new GraphBuilder([9, 9, 3]);
  b.conv2d('c0', { filters: 4, kernelSize: 3, dilation: 2, activation: 'sigmoid' });
  b.conv2d('c1', { filters: 6, kernelSize: 3, strides: 2, bias: false });
  b.batchNorm('bn1');
  b.op('relu6', 'r1');
  b.depthwise('dw', 6, { kernelSize: 3, strides: 2, multiplier: 2, bias: false });
  b.batchNorm('bn2');
  b.add({ op: 'leakyRelu', id: 'l2', alpha: 0.1 });
  b.conv2d('c3', { filters: 8, kernelSize: 1 });
  b.op('relu', 'r3');
  const p = b.pool('maxPool', 'p3', 2, 1, 'same');
  const b1 = b.conv2d('b1', { filters: 4, kernelSize: 1, activation: 'relu' }, p);
  const b2 = b.conv2d('b2', { filters: 4, kernelSize: 3, padding: [[1, 1], [1, 1]] }, p);
  b.op('relu', 'b2r', b2);
  b.add({ op: 'concat', id: 'cat', inputs: [b1, 'b2r'] });
  b.add({ op: 'add', id: 'sum', inputs: ['cat', p] });
  b.pool('avgPool', 'ap', 2, 1, 'valid');
  b.conv2d('g', { filters: 8, kernelSize: 1, groups: 2 });
  b.op('tanh', 'th');
  b.add({ op: 'zeroPad', id: 'zp', padding: [[1, 0], [0, 1]] });
  b.op('flatten', 'fl');
  b.add({ op: 'dropout', id: 'do', rate: 0.5 });
  b.dense('fc', 5);
  b.op('softmax', 'sm');
  return b.build();
}

/** Net B: strided, valid/same, multiplier-3 depthwise convolutions on a non-square input. */
export function depthwiseNet(): Graph {
  const b = new GraphBuilder([11, 10, 2]);
  b.depthwise('dw1', 2, { kernelSize: 3, strides: 2, padding: 'valid', multiplier: 3 });
  b.op('relu', 'r1');
  b.depthwise('dw2', 6, { kernelSize: 5, strides: 2, padding: 'same' });
  b.op('relu', 'r2');
  b.depthwise('dw3', 6, { kernelSize: 3, strides: [1, 2], padding: [[0, 2], [1, 1]], bias: false });
  b.op('globalAvgPool', 'gap');
  b.dense('fc', 4);
  return b.build();
}


/** Net C: stride-1 'same' convolutions (odd kernels, dilated, depthwise with a multiplier, and an even kernel). */
export function sameNet(): Graph {
  const b = new GraphBuilder([7, 6, 3]);
  b.depthwise('dw1', 3, { kernelSize: 3, multiplier: 2, activation: 'relu6' });
  b.depthwise('dw2', 6, { kernelSize: 3, dilation: 2, bias: false });
  b.conv2d('c1', { filters: 5, kernelSize: 3, activation: 'relu' });
  b.conv2d('c2', { filters: 4, kernelSize: [2, 3] });
  b.op('globalAvgPool', 'gap');
  b.dense('fc', 3);
  return b.build();
}

/** Net D: strided ordinary convolutions (sub-pixel backward): 'valid' with uncovered rows, k < s, k > s, stride 3. */
export function stridedNet(): Graph {
  const b = new GraphBuilder([16, 15, 3]);
  b.conv2d('s1', { filters: 4, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu' });
  b.conv2d('s2', { filters: 5, kernelSize: 2, strides: 3, padding: 'same' });
  b.conv2d('s3', { filters: 3, kernelSize: [3, 2], strides: 1 });
  b.conv2d('s4', { filters: 4, kernelSize: 5, strides: 3, padding: 'same', bias: false });
  b.op('globalAvgPool', 'gap');
  b.dense('fc', 2);
  return b.build();
}
