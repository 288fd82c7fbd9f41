/**
 * Writes small TFLite files for tests with the flatc-generated builders (the same schema code the importer reads
 * with), so that op semantics, quantization and error paths can be checked on models whose weights we choose.
 */
import * as flatbuffers from 'flatbuffers';
import { BuiltinOperator } from './tflite-schema/generated/tflite/builtin-operator';
import { BuiltinOptions } from './tflite-schema/generated/tflite/builtin-options';
import { Buffer as FbBuffer } from './tflite-schema/generated/tflite/buffer';
import { Model } from './tflite-schema/generated/tflite/model';
import { Operator } from './tflite-schema/generated/tflite/operator';
import { OperatorCode } from './tflite-schema/generated/tflite/operator-code';
import { QuantizationParameters } from './tflite-schema/generated/tflite/quantization-parameters';
import { SubGraph } from './tflite-schema/generated/tflite/sub-graph';
import { Tensor } from './tflite-schema/generated/tflite/tensor';
import { TensorType } from './tflite-schema/generated/tflite/tensor-type';

export { ActivationFunctionType } from './tflite-schema/generated/tflite/activation-function-type';
export { AddOptions } from './tflite-schema/generated/tflite/add-options';
export { Conv2DOptions } from './tflite-schema/generated/tflite/conv2-doptions';
export { DepthwiseConv2DOptions } from './tflite-schema/generated/tflite/depthwise-conv2-doptions';
export { FullyConnectedOptions } from './tflite-schema/generated/tflite/fully-connected-options';
export { Padding } from './tflite-schema/generated/tflite/padding';
export { Pool2DOptions } from './tflite-schema/generated/tflite/pool2-doptions';
export { ReshapeOptions } from './tflite-schema/generated/tflite/reshape-options';
export { SoftmaxOptions } from './tflite-schema/generated/tflite/softmax-options';
export { BuiltinOperator, BuiltinOptions, TensorType };

/** A tensor of a fixture model; `data` makes it a constant. */
export interface FixtureTensor {
  name: string;
  shape: number[];
  type: TensorType;
  data?: Uint8Array;
  quant?: { scale: number[]; zeroPoint: number[]; dimension?: number };
}

/** An operator of a fixture model; `options` writes its builtin options table. */
export interface FixtureOp {
  op: BuiltinOperator;
  custom?: string;
  inputs: number[];
  outputs: number[];
  options?: { type: BuiltinOptions; write: (b: flatbuffers.Builder) => flatbuffers.Offset };
}

/** A one-subgraph fixture model. */
export interface FixtureModel {
  tensors: FixtureTensor[];
  ops: FixtureOp[];
  inputs: number[];
  outputs: number[];
}

/** Little-endian bytes of float32 values. */
export function f32(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** Little-endian bytes of int32 values. */
export function i32(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Int32Array.from(values).buffer);
}

/** Bytes of int8 values. */
export function i8(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Int8Array.from(values).buffer);
}

/** Serializes a fixture model to TFLite bytes (schema version 3, identifier TFL3). */
export function writeTflite(m: FixtureModel): Uint8Array {
  const b = new flatbuffers.Builder(1024);
  // Buffer 0 is the empty sentinel; each constant gets its own buffer.
  const buffers: flatbuffers.Offset[] = [FbBuffer.createBuffer(b, 0, 0n, 0n)];
  const bufferOf: number[] = [];
  for (const t of m.tensors) {
    if (!t.data) {
      bufferOf.push(0);
      continue;
    }
    b.startVector(1, t.data.length, 16);
    for (let i = t.data.length - 1; i >= 0; i--) b.addInt8(t.data[i]);
    const vec = b.endVector();
    buffers.push(FbBuffer.createBuffer(b, vec, 0n, 0n));
    bufferOf.push(buffers.length - 1);
  }
  const tensors = m.tensors.map((t, i) => {
    const name = b.createString(t.name);
    const shape = Tensor.createShapeVector(b, t.shape);
    let quant = 0;
    if (t.quant) {
      const scale = QuantizationParameters.createScaleVector(b, t.quant.scale);
      const zp = QuantizationParameters.createZeroPointVector(b, t.quant.zeroPoint.map((z) => BigInt(z)));
      QuantizationParameters.startQuantizationParameters(b);
      QuantizationParameters.addScale(b, scale);
      QuantizationParameters.addZeroPoint(b, zp);
      QuantizationParameters.addQuantizedDimension(b, t.quant.dimension ?? 0);
      quant = QuantizationParameters.endQuantizationParameters(b);
    }
    Tensor.startTensor(b);
    Tensor.addShape(b, shape);
    Tensor.addType(b, t.type);
    Tensor.addBuffer(b, bufferOf[i]);
    Tensor.addName(b, name);
    if (quant) Tensor.addQuantization(b, quant);
    return Tensor.endTensor(b);
  });
  const codes: string[] = [];
  const codeIndex = (op: FixtureOp) => {
    const key = `${op.op}:${op.custom ?? ''}`;
    let i = codes.indexOf(key);
    if (i < 0) i = codes.push(key) - 1;
    return i;
  };
  const ops = m.ops.map((op) => {
    const inputs = Operator.createInputsVector(b, op.inputs);
    const outputs = Operator.createOutputsVector(b, op.outputs);
    const opts = op.options ? op.options.write(b) : 0;
    const idx = codeIndex(op);
    Operator.startOperator(b);
    Operator.addOpcodeIndex(b, idx);
    Operator.addInputs(b, inputs);
    Operator.addOutputs(b, outputs);
    if (op.options) {
      Operator.addBuiltinOptionsType(b, op.options.type);
      Operator.addBuiltinOptions(b, opts);
    }
    return Operator.endOperator(b);
  });
  const opCodes = codes.map((key) => {
    const [code, custom] = key.split(':');
    const c = Number(code);
    const customName = custom ? b.createString(custom) : 0;
    // Like the TFLite converter: the deprecated byte field holds small codes, builtin_code always holds the code.
    return OperatorCode.createOperatorCode(b, Math.min(c, 127), customName, 1, c);
  });
  const sub = SubGraph.createSubGraph(
    b,
    SubGraph.createTensorsVector(b, tensors),
    SubGraph.createInputsVector(b, m.inputs),
    SubGraph.createOutputsVector(b, m.outputs),
    SubGraph.createOperatorsVector(b, ops),
    b.createString('main'),
  );
  const model = Model.createModel(
    b, 3, Model.createOperatorCodesVector(b, opCodes), Model.createSubgraphsVector(b, [sub]), b.createString('fixture'),
    Model.createBuffersVector(b, buffers), 0, 0, 0,
  );
  Model.finishModelBuffer(b, model);
  return b.asUint8Array().slice();
}
