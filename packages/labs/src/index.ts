/**
 * ConvLab's labs: each lab defined once (parameters, presets, student controls, jobs, result, aggregations), the
 * aggregations themselves (occlusion class map, class sweep with shard takeover, λ sweep grid, galleries) and the
 * ready-made lesson "How CNNs see". Pure: depends on zod and @convlab/protocol only (file access is in `./node`).
 */
export * from './common.schemas';
export * from './lab.types';
export * from './grading.types';
export * from './occlusion.rules';
export * from './neuron.rules';
export * from './ascent.rules';
export * from './masks';
export * from './occlusion.lab';
export * from './class-map';
export * from './latest';
export * from './shard-ledger';
export * from './sweep';
export * from './shard-runner';
export * from './sweep-runner';
export * from './neuron.lab';
export * from './ascent.lab';
export * from './convolution.lab';
export * from './pooling.lab';
export * from './filters.lab';
export * from './max-patches.lab';
export * from './max-patches.search';
export * from './registry';
export * from './lessons/how-cnns-see';
export * from './lessons/lesson-document';
export * from './instructions';
export * from './param-words';
export * from './model-fit';
