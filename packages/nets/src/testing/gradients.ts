/** Test helpers for gradient tests: a bare Model around a graph, and one input gradient as plain numbers. */
import * as tf from '@tensorflow/tfjs-core';
import { Executor } from '../executor';
import type { GradientObjective, ReluMode } from '../executor.types';
import type { Graph, WeightMap } from '../graph.types';
import type { Model } from '../model.types';
import { MINUS_ONE_TO_ONE } from '../models';

/** A Model with placeholder metadata around a test graph and its weights. */
export function testModel(graph: Graph, weights: WeightMap): Model {
  return {
    graph, weights,
    meta: {
      id: 'test', displayName: 'test', family: 'test', inputSize: [1, 1], preprocessing: MINUS_ONE_TO_ONE, outputKind: 'logits',
      numClasses: 1, backgroundClass: false, labels: 'imagenet-1k', licence: 'none', source: 'test',
    },
  };
}

/** The gradient of objective `o` with respect to the input (or node `wrt`), read back and disposed. */
export function inputGrad(m: Model, x: tf.Tensor4D, o: GradientObjective, reluMode: ReluMode = 'standard', wrt?: string): number[] {
  const ex = new Executor(m);
  const r = ex.gradient(x, o, { reluMode, wrt });
  const out = Array.from(r.gradient.dataSync());
  tf.dispose([r.gradient, r.value]);
  ex.dispose();
  return out;
}
