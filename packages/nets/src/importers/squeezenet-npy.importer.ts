/**
 * Importers for the SqueezeNet weight folders that hold one `.npy` per tensor and no architecture:
 * SqueezeNet 1.1 (ONNX zoo, OIHW kernels, prefix `squeezenet0_`) and SqueezeNet 1.0 (TFLite zoo, OHWI kernels,
 * names such as `fire2_squeeze_kernel.npy`). The architectures are written out here, as documented in shared/README.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import { validateGraph } from '../graph';
import type { Graph, GraphNode } from '../graph.types';
import type { Model, ModelMeta, ResourceReader } from '../model.types';
import { parseNpy } from '../io/npy';
import { getModelEntry } from '../models';

/** Which SqueezeNet variant a folder holds. */
export type SqueezeNetVariant = '1.1' | '1.0';

interface ConvDef {
  id: string;
  filters: number;
  k: number;
  stride: number;
  padding: 'same' | 'valid';
  /** File base names (without .npy) of kernel and bias. */
  kernelFile: string;
  biasFile: string;
}

type FileNames = (base: string) => { kernelFile: string; biasFile: string };

class Builder {
  constructor(readonly fileNames: FileNames) {}
  nodes: GraphNode[] = [{ op: 'input', id: 'input', inputs: [], shape: [224, 224, 3] }];
  convs: ConvDef[] = [];
  last = 'input';

  conv(def: ConvDef, input = this.last): string {
    this.convs.push(def);
    this.nodes.push({
      op: 'conv2d', id: def.id, inputs: [input], filters: def.filters, kernelSize: [def.k, def.k],
      strides: [def.stride, def.stride], padding: def.padding, dilation: [1, 1], groups: 1, depthwise: false,
      kernel: def.kernelFile, bias: def.biasFile,
    });
    this.nodes.push({ op: 'relu', id: `${def.id}_relu`, inputs: [def.id] });
    this.last = `${def.id}_relu`;
    return this.last;
  }

  pool(id: string): void {
    this.nodes.push({ op: 'maxPool', id, inputs: [this.last], poolSize: [3, 3], strides: [2, 2], padding: 'valid' });
    this.last = id;
  }

  fire(name: string, squeeze: number, expand: number, files: [string, string, string]): void {
    const [s, e1, e3] = files;
    const fileNames = this.fileNames;
    const sq = this.conv({ id: `${name}_squeeze`, filters: squeeze, k: 1, stride: 1, padding: 'valid', ...fileNames(s) });
    const a = this.conv({ id: `${name}_expand1x1`, filters: expand, k: 1, stride: 1, padding: 'valid', ...fileNames(e1) }, sq);
    const b = this.conv({ id: `${name}_expand3x3`, filters: expand, k: 3, stride: 1, padding: 'same', ...fileNames(e3) }, sq);
    this.nodes.push({ op: 'concat', id: `${name}_concat`, inputs: [a, b], label: 'fire' });
    this.last = `${name}_concat`;
  }

  graph(output: string): Graph {
    const g: Graph = { format: 'convlab-graph', version: 1, nodes: this.nodes, output };
    validateGraph(g);
    return g;
  }
}

// File naming: 1.1 uses `squeezenet0_conv{i}_weight/bias`, 1.0 uses `{name}_kernel` / `{name}_Conv2D_bias`.
const FILES_11: FileNames = (base) => ({ kernelFile: `squeezenet0_${base}_weight`, biasFile: `squeezenet0_${base}_bias` });
const FILES_10: FileNames = (base) => ({ kernelFile: `${base}_kernel`, biasFile: `${base}_Conv2D_bias` });

const FIRES: Array<[number, number]> = [[16, 64], [16, 64], [32, 128], [32, 128], [48, 192], [48, 192], [64, 256], [64, 256]];

/** The graph of SqueezeNet 1.1 or 1.0 (without weights) and the convolutions whose weights it needs. */
export function squeezeNetGraph(variant: SqueezeNetVariant): { graph: Graph; convs: ConvDef[] } {
  const b = new Builder(variant === '1.1' ? FILES_11 : FILES_10);
  const fileNames = b.fileNames;
  if (variant === '1.1') {
    b.conv({ id: 'conv1', filters: 64, k: 3, stride: 2, padding: 'valid', ...fileNames('conv0') });
    b.pool('pool1');
    let c = 1;
    FIRES.forEach(([s, e], i) => {
      b.fire(`fire${i + 2}`, s, e, [`conv${c}`, `conv${c + 1}`, `conv${c + 2}`]);
      c += 3;
      if (i === 1) b.pool('pool3');
      if (i === 3) b.pool('pool5');
    });
    b.conv({ id: 'conv10', filters: 1000, k: 1, stride: 1, padding: 'valid', ...fileNames('conv25') });
  } else {
    b.conv({ id: 'conv1', filters: 96, k: 7, stride: 2, padding: 'same', ...fileNames('conv1') });
    b.pool('pool1');
    FIRES.forEach(([s, e], i) => {
      const n = i + 2;
      b.fire(`fire${n}`, s, e, [`fire${n}_squeeze`, `fire${n}_e1x1`, `fire${n}_e3x3`]);
      if (n === 4) b.pool('pool4');
      if (n === 8) b.pool('pool8');
    });
    b.conv({ id: 'conv10', filters: 1001, k: 1, stride: 1, padding: 'valid', ...fileNames('conv10') });
  }
  b.nodes.push({ op: 'globalAvgPool', id: 'pool10', inputs: [b.last] });
  if (variant === '1.0') {
    b.nodes.push({ op: 'softmax', id: 'softmax', inputs: ['pool10'] });
    return { graph: b.graph('softmax'), convs: b.convs };
  }
  return { graph: b.graph('pool10'), convs: b.convs };
}

/**
 * Loads a SqueezeNet `.npy` folder (the reader is rooted at the folder that holds `weights/`). Kernels are converted
 * to HWIO: OIHW (1.1) with transpose [2, 3, 1, 0], OHWI (1.0) with [1, 2, 3, 0].
 */
export async function importSqueezeNet(reader: ResourceReader, variant: SqueezeNetVariant, meta?: ModelMeta): Promise<Model> {
  const { graph, convs } = squeezeNetGraph(variant);
  const perm = variant === '1.1' ? [2, 3, 1, 0] : [1, 2, 3, 0];
  const weights: Record<string, tf.Tensor> = {};
  try {
    const files = await Promise.all(convs.flatMap((c) => [c.kernelFile, c.biasFile]).map(async (f) => {
      const path = `weights/${f}.npy`;
      return [f, parseNpy(await reader.readBytes(path), reader.describe(path))] as const;
    }));
    const arrays = new Map(files);
    for (const c of convs) {
      const k = arrays.get(c.kernelFile)!;
      const bias = arrays.get(c.biasFile)!;
      if (k.shape.length !== 4 || k.shape[0] !== c.filters || bias.shape.join() !== String(c.filters)) {
        throw new Error(`${c.kernelFile}.npy has shape [${k.shape.join(', ')}] (bias [${bias.shape.join(', ')}]), expected ${c.filters} filters for '${c.id}'`);
      }
      weights[c.kernelFile] = tf.tidy(() => tf.transpose(tf.tensor(k.data as Float32Array, k.shape), perm));
      weights[c.biasFile] = tf.tensor1d(bias.data as Float32Array);
    }
  } catch (e) {
    Object.values(weights).forEach((t) => t.dispose());
    throw e;
  }
  const m = meta ?? getModelEntry(variant === '1.1' ? 'squeezenet1.1_nchw' : 'squeezenet1.0_nhwc').meta;
  return { graph, weights, meta: m };
}
