/** Test helper: a tiny ONNX protobuf writer for synthetic graphs (the fields the importer reads, nothing more). */

/** An attribute value: int, float, ints, floats or string. */
export type OnnxAttr = { i: number } | { f: number } | { ints: number[] } | { floats: number[] } | { s: string };

/** One node of a synthetic graph. */
export interface OnnxNodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, OnnxAttr>;
}

/** An initializer: float32 data (inline or in an external file), or int64 values; `dataType` overrides (e.g. 10 = fp16). */
export interface OnnxInitSpec {
  name: string;
  dims: number[];
  data?: Float32Array;
  int64?: number[];
  dataType?: number;
  /** Store the data in an external file instead of the model (the test writes the file). */
  external?: { location: string; offset?: number; length?: number };
}

/** A synthetic model. Input/output dims may be null for a symbolic batch. */
export interface OnnxModelSpec {
  opset?: number;
  input: { name: string; dims: Array<number | null>; elemType?: number };
  output: { name: string; dims: Array<number | null> };
  nodes: OnnxNodeSpec[];
  initializers?: OnnxInitSpec[];
}

class Out {
  readonly bytes: number[] = [];

  varint(v: number | bigint): this {
    let x = BigInt.asUintN(64, BigInt(v));
    do {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      this.bytes.push(x ? b | 0x80 : b);
    } while (x);
    return this;
  }

  tag(field: number, wt: number): this {
    return this.varint((field << 3) | wt);
  }

  int(field: number, v: number): this {
    return this.tag(field, 0).varint(v);
  }

  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.tag(field, 5).bytes.push(...b);
    return this;
  }

  raw(field: number, b: Uint8Array | number[]): this {
    this.tag(field, 2).varint(b.length);
    for (const x of b) this.bytes.push(x);
    return this;
  }

  str(field: number, s: string): this {
    return this.raw(field, new TextEncoder().encode(s));
  }

  msg(field: number, build: (o: Out) => void): this {
    const o = new Out();
    build(o);
    return this.raw(field, o.bytes);
  }
}

function tensor(o: Out, t: OnnxInitSpec): void {
  for (const d of t.dims) o.int(1, d);
  o.int(2, t.dataType ?? (t.int64 ? 7 : 1));
  o.str(8, t.name);
  if (t.int64) {
    for (const v of t.int64) o.int(7, v);
    return;
  }
  const data = t.data ?? new Float32Array(0);
  if (t.external) {
    const e = t.external;
    const entries: Array<[string, string]> = [['location', e.location], ['offset', String(e.offset ?? 0)], ['length', String(e.length ?? data.byteLength)]];
    for (const [k, v] of entries) o.msg(13, (m) => m.str(1, k).str(2, v));
    o.int(14, 1);
    return;
  }
  o.raw(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function valueInfo(o: Out, name: string, dims: Array<number | null>, elemType = 1): void {
  o.str(1, name);
  o.msg(2, (t) => t.msg(1, (tt) => {
    tt.int(1, elemType);
    tt.msg(2, (s) => dims.forEach((d) => s.msg(1, (dim) => (d === null ? dim.str(2, 'batch') : dim.int(1, d)))));
  }));
}

/** The bytes of an ONNX model with one input, one output, the given nodes and initializers. */
export function writeOnnx(spec: OnnxModelSpec): Uint8Array {
  const o = new Out();
  o.int(1, 8).str(2, 'convlab-test');
  o.msg(7, (g) => {
    spec.nodes.forEach((n, k) => g.msg(1, (m) => {
      n.inputs.forEach((i) => m.str(1, i));
      n.outputs.forEach((x) => m.str(2, x));
      m.str(3, n.name ?? `${n.op}_${k}`);
      m.str(4, n.op);
      for (const [name, a] of Object.entries(n.attrs ?? {})) {
        m.msg(5, (at) => {
          at.str(1, name);
          if ('i' in a) at.int(3, a.i).int(20, 2);
          else if ('f' in a) at.float(2, a.f).int(20, 1);
          else if ('ints' in a) { a.ints.forEach((v) => at.int(8, v)); at.int(20, 7); }
          else if ('floats' in a) { a.floats.forEach((v) => at.float(7, v)); at.int(20, 6); }
          else at.str(4, a.s).int(20, 3);
        });
      }
    }));
    g.str(2, 'test-graph');
    for (const t of spec.initializers ?? []) g.msg(5, (m) => tensor(m, t));
    g.msg(11, (m) => valueInfo(m, spec.input.name, spec.input.dims, spec.input.elemType));
    g.msg(12, (m) => valueInfo(m, spec.output.name, spec.output.dims));
  });
  o.msg(8, (m) => m.str(1, '').int(2, spec.opset ?? 13));
  return Uint8Array.from(o.bytes);
}
