/** A small reader/writer for NumPy `.npy` files (format versions 1–3, little/big-endian float/int types, C or Fortran order). */
import * as tf from '@tensorflow/tfjs-core';

/** A decoded `.npy` array: data as float32 (or int32 for integer types), shape and original dtype. */
export interface NpyArray {
  data: Float32Array | Int32Array;
  shape: number[];
  /** The original NumPy dtype descriptor, e.g. '<f4'. */
  descr: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Parses a `.npy` file; throws naming `name` on a bad magic, unsupported dtype or truncated data. */
export function parseNpy(bytes: Uint8Array, name = 'array'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error(`${name}: not a .npy file (bad magic)`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1] === 'True';
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new Error(`${name}: unreadable .npy header ${JSON.stringify(header)}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const kind = descr.slice(1);
  const little = descr[0] !== '>';
  const size: Record<string, number> = { f4: 4, f8: 8, f2: 2, i1: 1, u1: 1, i2: 2, u2: 2, i4: 4, u4: 4, i8: 8, u8: 8, b1: 1 };
  const bytesPer = size[kind];
  if (!bytesPer) throw new Error(`${name}: unsupported .npy dtype '${descr}' (supported: float16/32/64, (u)int8/16/32/64, bool)`);
  const offset = start + headerLen;
  if (bytes.length - offset < count * bytesPer) {
    throw new Error(`${name}: truncated .npy (${bytes.length - offset} data bytes, expected ${count * bytesPer})`);
  }
  const isFloat = kind[0] === 'f';
  const out = isFloat ? new Float32Array(count) : new Int32Array(count);
  if (kind === 'f4' && little && (bytes.byteOffset + offset) % 4 === 0) {
    out.set(new Float32Array(bytes.buffer, bytes.byteOffset + offset, count));
  } else {
    for (let i = 0; i < count; i++) {
      const p = offset + i * bytesPer;
      switch (kind) {
        case 'f4': out[i] = view.getFloat32(p, little); break;
        case 'f8': out[i] = view.getFloat64(p, little); break;
        case 'f2': out[i] = halfToFloat(view.getUint16(p, little)); break;
        case 'i1': out[i] = view.getInt8(p); break;
        case 'u1': case 'b1': out[i] = view.getUint8(p); break;
        case 'i2': out[i] = view.getInt16(p, little); break;
        case 'u2': out[i] = view.getUint16(p, little); break;
        case 'i4': out[i] = view.getInt32(p, little); break;
        case 'u4': out[i] = view.getUint32(p, little); break;
        case 'i8': out[i] = Number(view.getBigInt64(p, little)); break;
        case 'u8': out[i] = Number(view.getBigUint64(p, little)); break;
      }
    }
  }
  return { data: fortran ? fortranToC(out, shape) : out, shape, descr };
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function fortranToC<T extends Float32Array | Int32Array>(src: T, shape: number[]): T {
  const n = src.length;
  const dst = new (src.constructor as { new (n: number): T })(n);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let c = 0; c < n; c++) {
    // c walks C order; compute the Fortran-order offset of the same multi-index.
    let f = 0;
    let stride = 1;
    for (let d = 0; d < rank; d++) {
      f += idx[d] * stride;
      stride *= shape[d];
    }
    dst[c] = src[f];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return dst;
}

/** Parses a `.npy` file into a float32 tensor. */
export function npyToTensor(bytes: Uint8Array, name?: string): tf.Tensor {
  const a = parseNpy(bytes, name);
  return tf.tensor(a.data instanceof Float32Array ? a.data : Float32Array.from(a.data), a.shape, 'float32');
}

/** Encodes float32 data as a version-1.0 little-endian C-order `.npy` file. */
export function encodeNpy(data: Float32Array, shape: number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Header (with the 10-byte preamble and trailing newline) is padded to a multiple of 64 bytes.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + data.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  new Uint8Array(out.buffer, total).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return out;
}
