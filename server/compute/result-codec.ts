/**
 * A compact binary form of a compute result for the database: a small JSON header with every typed array and
 * ArrayBuffer (maps, probabilities, PNGs) replaced by a reference, followed by their raw bytes, 8-byte aligned.
 * A 224×224 float map costs its 200 KB, not the megabyte of a JSON number array.
 *
 * Layout (little-endian): "CLR1" | u32 header bytes | u32 blob count | u32 length per blob | header UTF-8 | blobs,
 * each starting 8-byte aligned.
 */

const MAGIC = [0x43, 0x4c, 0x52, 0x31]; // CLR1
const REF = '$blob';

const TYPED = {
  Float32Array,
  Float64Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
} as const;
type TypedName = keyof typeof TYPED;

interface BlobRef {
  [REF]: number;
  /** Typed array constructor, or 'ArrayBuffer'. */
  type: TypedName | 'ArrayBuffer';
}

const align8 = (n: number) => (n + 7) & ~7;

/** Encodes a JSON-like value whose leaves may be typed arrays or ArrayBuffers. */
export function encodeResult(value: unknown): Uint8Array {
  const blobs: Uint8Array[] = [];
  const header = JSON.stringify(value, function (this: unknown, key, v: unknown) {
    // The replacer sees toJSON'd values (a Buffer becomes {type, data}); read the raw one from the holder.
    const raw = key === '' ? v : (this as Record<string, unknown>)[key];
    if (ArrayBuffer.isView(raw)) {
      const name = (raw instanceof Uint8Array ? 'Uint8Array' : raw.constructor.name) as TypedName;
      if (!(name in TYPED)) throw new TypeError(`cannot encode a ${name}`);
      blobs.push(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
      return { [REF]: blobs.length - 1, type: name } satisfies BlobRef;
    }
    if (raw instanceof ArrayBuffer) {
      blobs.push(new Uint8Array(raw));
      return { [REF]: blobs.length - 1, type: 'ArrayBuffer' } satisfies BlobRef;
    }
    if (raw && typeof raw === 'object' && !Array.isArray(raw) && REF in raw) throw new TypeError(`a result may not hold a "${REF}" key`);
    return v;
  });
  const head = new TextEncoder().encode(header);
  // "CLR1" | u32 header bytes | u32 blob count | u32 length per blob | header | (pad, blob)*
  const prefix = 12 + 4 * blobs.length;
  let size = align8(prefix + head.byteLength);
  const offsets = blobs.map((b) => {
    const at = size;
    size = align8(size + b.byteLength);
    return at;
  });
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(4, head.byteLength, true);
  view.setUint32(8, blobs.length, true);
  blobs.forEach((b, i) => view.setUint32(12 + 4 * i, b.byteLength, true));
  out.set(head, prefix);
  blobs.forEach((b, i) => out.set(b, offsets[i]));
  return out;
}

/** Decodes {@link encodeResult}'s bytes (typed arrays come back as fresh, aligned copies). */
export function decodeResult<T = unknown>(bytes: Uint8Array): T {
  if (bytes.byteLength < 12 || MAGIC.some((m, i) => bytes[i] !== m)) throw new Error('not an encoded compute result');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headLen = view.getUint32(4, true);
  const count = view.getUint32(8, true);
  const prefix = 12 + 4 * count;
  if (prefix + headLen > bytes.byteLength) throw new Error('corrupt encoded compute result');
  const header = new TextDecoder().decode(bytes.subarray(prefix, prefix + headLen));
  const blobs: Uint8Array<ArrayBuffer>[] = [];
  let at = align8(prefix + headLen);
  for (let i = 0; i < count; i++) {
    const len = view.getUint32(12 + 4 * i, true);
    if (at + len > bytes.byteLength) throw new Error('corrupt encoded compute result');
    blobs.push(bytes.slice(at, at + len));
    at = align8(at + len);
  }
  return JSON.parse(header, (_key, v: unknown) => {
    if (v && typeof v === 'object' && REF in v) {
      const ref = v as BlobRef;
      const blob = blobs[ref[REF]];
      if (!blob) throw new Error('corrupt encoded compute result');
      if (ref.type === 'ArrayBuffer') return blob.buffer;
      const Ctor = TYPED[ref.type];
      if (!Ctor || blob.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) throw new Error(`corrupt encoded compute result (${ref.type})`);
      return new Ctor(blob.buffer, 0, blob.byteLength / Ctor.BYTES_PER_ELEMENT);
    }
    return v;
  }) as T;
}
