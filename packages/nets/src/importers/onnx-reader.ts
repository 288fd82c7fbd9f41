/**
 * A minimal reader of the ONNX protobuf (onnx.proto3): only the messages and fields an image classifier needs
 * (model → graph → nodes, attributes, initializers, inputs/outputs). Hand-written wire-format decoding keeps the
 * importer free of a code generator and of a protobuf runtime; unknown fields are skipped, as protobuf requires.
 * Browser-safe: bytes in, plain objects out.
 */

/** Errors of the ONNX importer (a bad file, or something the IR cannot express); messages name what and where. */
export class OnnxImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxImportError';
  }
}

/** ONNX TensorProto.DataType values the importer names in messages. */
export const ONNX_DATA_TYPES: Record<number, string> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16',
};
export const DT_FLOAT = 1;
export const DT_INT32 = 6;
export const DT_INT64 = 7;

/** A TensorProto as stored (data not yet decoded: see `onnx.importer.ts`). */
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  rawData?: Uint8Array;
  /** `location`, `offset`, `length` when the data lives in an external file. */
  externalData?: Record<string, string>;
}

/** An AttributeProto; only the fields the supported operators use. */
export interface OnnxAttribute {
  name: string;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  floats: number[];
  ints: number[];
}

/** A NodeProto. */
export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttribute>;
}

/** A ValueInfoProto of a tensor: element type and dims (a symbolic dim such as 'batch' is null). */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  dims: Array<number | null>;
  /** False when the value has no tensor type or no shape at all. */
  hasShape: boolean;
}

/** The parts of a ModelProto the importer reads. */
export interface OnnxModel {
  irVersion: number;
  producer: string;
  /** Opset version per domain ('' is the default ai.onnx domain). */
  opsets: Map<string, number>;
  graphName: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/** Cursor over protobuf wire format. Lengths are checked, so a truncated file fails with a clear error. */
class Wire {
  pos: number;
  constructor(readonly buf: Uint8Array, start: number, readonly end: number, readonly what: string) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private truncated(): never {
    throw new OnnxImportError(`the file is truncated or not an ONNX model (${this.what} ends early at byte ${this.pos})`);
  }

  /** A varint as a bigint (int64 fields may be negative: ten bytes of two's complement). */
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) this.truncated();
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
      if (shift > 63n) throw new OnnxImportError(`not an ONNX model: malformed varint in ${this.what} at byte ${this.pos}`);
    }
  }

  /** An int64/int32 varint as a JS number (sign restored). */
  int(): number {
    return Number(BigInt.asIntN(64, this.varint()));
  }

  bytes(): Uint8Array {
    const n = this.int();
    if (n < 0 || this.pos + n > this.end) this.truncated();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    return new TextDecoder().decode(this.bytes());
  }

  float(): number {
    if (this.pos + 4 > this.end) this.truncated();
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  /** A nested message's cursor. */
  sub(what: string): Wire {
    const n = this.int();
    if (n < 0 || this.pos + n > this.end) this.truncated();
    const w = new Wire(this.buf, this.pos, this.pos + n, what);
    this.pos += n;
    return w;
  }

  /** Skips a field of the given wire type. */
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) {
      const n = this.int(); // read before adding: `pos += int()` would add to the position before the length
      this.pos += n;
    }
    else if (wireType === 5) this.pos += 4;
    else throw new OnnxImportError(`not an ONNX model: wire type ${wireType} in ${this.what} at byte ${this.pos}`);
    if (this.pos > this.end) this.truncated();
  }

  /** Iterates fields: calls `fn(field, wireType)`; `fn` returns false for fields it does not read (skipped). */
  fields(fn: (field: number, wireType: number) => boolean): void {
    while (!this.done) {
      const key = this.int();
      const field = key >>> 3;
      const wt = key & 7;
      if (!fn(field, wt)) this.skip(wt);
    }
  }

  /** A repeated int64/int32 field, packed (wire type 2) or not (0). */
  ints(wt: number, into: number[]): void {
    if (wt === 0) {
      into.push(this.int());
      return;
    }
    const w = this.sub(this.what);
    while (!w.done) into.push(w.int());
  }

  /** A repeated float field, packed (wire type 2) or not (5). */
  floats(wt: number, into: number[]): void {
    if (wt === 5) {
      into.push(this.float());
      return;
    }
    const w = this.sub(this.what);
    while (!w.done) into.push(w.float());
  }
}

function readTensor(w: Wire): OnnxTensor {
  const t: OnnxTensor = { name: '', dims: [], dataType: 0, floatData: [], int32Data: [], int64Data: [] };
  w.fields((f, wt) => {
    switch (f) {
      case 1: w.ints(wt, t.dims); return true;
      case 2: t.dataType = w.int(); return true;
      case 4: w.floats(wt, t.floatData); return true;
      case 5: w.ints(wt, t.int32Data); return true;
      case 7: w.ints(wt, t.int64Data); return true;
      case 8: t.name = w.string(); return true;
      case 9: t.rawData = w.bytes(); return true;
      case 13: {
        const e = w.sub('external_data');
        let key = '';
        let value = '';
        e.fields((g) => (g === 1 ? ((key = e.string()), true) : g === 2 ? ((value = e.string()), true) : false));
        (t.externalData ??= {})[key] = value;
        return true;
      }
      default: return false;
    }
  });
  return t;
}

function readAttribute(w: Wire): OnnxAttribute {
  const a: OnnxAttribute = { name: '', floats: [], ints: [] };
  w.fields((f, wt) => {
    switch (f) {
      case 1: a.name = w.string(); return true;
      case 2: a.f = w.float(); return true;
      case 3: a.i = w.int(); return true;
      case 4: a.s = w.string(); return true;
      case 5: a.t = readTensor(w.sub('attribute tensor')); return true;
      case 7: w.floats(wt, a.floats); return true;
      case 8: w.ints(wt, a.ints); return true;
      default: return false;
    }
  });
  return a;
}

function readNode(w: Wire): OnnxNode {
  const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: new Map() };
  w.fields((f) => {
    switch (f) {
      case 1: n.inputs.push(w.string()); return true;
      case 2: n.outputs.push(w.string()); return true;
      case 3: n.name = w.string(); return true;
      case 4: n.opType = w.string(); return true;
      case 5: {
        const a = readAttribute(w.sub('attribute'));
        n.attributes.set(a.name, a);
        return true;
      }
      case 7: n.domain = w.string(); return true;
      default: return false;
    }
  });
  return n;
}

function readValueInfo(w: Wire): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '', elemType: 0, dims: [], hasShape: false };
  w.fields((f) => {
    if (f === 1) v.name = w.string();
    else if (f === 2) {
      const type = w.sub('type');
      type.fields((g) => {
        if (g !== 1) return false; // tensor_type
        const tt = type.sub('tensor_type');
        tt.fields((h) => {
          if (h === 1) v.elemType = tt.int();
          else if (h === 2) {
            v.hasShape = true;
            const shape = tt.sub('shape');
            shape.fields((k) => {
              if (k !== 1) return false;
              const dim = shape.sub('dim');
              let value: number | null = null;
              dim.fields((m) => (m === 1 ? ((value = dim.int()), true) : false));
              v.dims.push(value);
              return true;
            });
          } else return false;
          return true;
        });
        return true;
      });
    } else return false;
    return true;
  });
  return v;
}

/** Decodes an ONNX ModelProto. Throws {@link OnnxImportError} for truncated or non-ONNX bytes. */
export function readOnnx(bytes: Uint8Array): OnnxModel {
  if (bytes.length === 0) throw new OnnxImportError('the file is empty');
  const m: OnnxModel = {
    irVersion: 0, producer: '', opsets: new Map(), graphName: '', nodes: [], initializers: [], inputs: [], outputs: [],
  };
  let hasGraph = false;
  const w = new Wire(bytes, 0, bytes.length, 'model');
  w.fields((f) => {
    switch (f) {
      case 1: m.irVersion = w.int(); return true;
      case 2: m.producer = w.string(); return true;
      case 7: {
        hasGraph = true;
        const g = w.sub('graph');
        g.fields((h) => {
          switch (h) {
            case 1: m.nodes.push(readNode(g.sub('node'))); return true;
            case 2: m.graphName = g.string(); return true;
            case 5: m.initializers.push(readTensor(g.sub('initializer'))); return true;
            case 11: m.inputs.push(readValueInfo(g.sub('graph input'))); return true;
            case 12: m.outputs.push(readValueInfo(g.sub('graph output'))); return true;
            default: return false;
          }
        });
        return true;
      }
      case 8: {
        const o = w.sub('opset_import');
        let domain = '';
        let version = 0;
        o.fields((h) => (h === 1 ? ((domain = o.string()), true) : h === 2 ? ((version = o.int()), true) : false));
        m.opsets.set(domain === 'ai.onnx' ? '' : domain, version);
        return true;
      }
      default: return false;
    }
  });
  if (!hasGraph || m.irVersion === 0) throw new OnnxImportError('not an ONNX model: no graph or no IR version');
  return m;
}
