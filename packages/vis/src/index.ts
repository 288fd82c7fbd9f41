/**
 * @convlab/vis — the visualization algorithms of the CNN lecture as pure functions over tfjs-core.
 * No backend, DOM or file-system imports: the host picks the backend (PNG encoding for Node lives in
 * `@convlab/vis/node`).
 */
export * from './common';
export * from './rng';
export * from './conv-explainer';
export * from './pool-explainer';
export * from './colormap';
export * from './image-ops';
export * from './gradient-ascent';
export * from './occlusion';
export * from './attribution';
export * from './attribution-image';
export * from './max-patches';
export * from './filters';
export * from './activations';
export * from './neuron-position';
export * from './nets-adapter';
