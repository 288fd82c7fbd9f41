/**
 * A float32 image in a model's input space, stored as a file in the uploads folder beside its PNG (named by its
 * content sha256 like every upload), so a job can name it as an upload ImageRef: the compute worker recognizes the
 * header and uses the values as the model's input, unquantized and without preprocessing.
 * Layout: "CLF32v1\n", height, width, channels (uint32 LE), then height·width·channels float32 LE.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

const MAGIC = Buffer.from('CLF32v1\n', 'latin1');
const HEADER_BYTES = MAGIC.length + 12;

export interface InputTensor {
  shape: [number, number, number];
  data: Float32Array;
}

/** True when the bytes start like an input-tensor file. */
export function isInputTensorFile(bytes: Uint8Array): boolean {
  return bytes.length >= HEADER_BYTES && Buffer.from(bytes.buffer, bytes.byteOffset, MAGIC.length).equals(MAGIC);
}

/** The file's bytes for a tensor. */
export function encodeInputTensor(t: InputTensor): Buffer {
  const [h, w, c] = t.shape;
  if (t.data.length !== h * w * c) throw new RangeError(`a ${h}×${w}×${c} tensor needs ${h * w * c} values, got ${t.data.length}`);
  const out = Buffer.alloc(HEADER_BYTES + t.data.length * 4);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(h, MAGIC.length);
  out.writeUInt32LE(w, MAGIC.length + 4);
  out.writeUInt32LE(c, MAGIC.length + 8);
  for (let i = 0; i < t.data.length; i++) out.writeFloatLE(t.data[i]!, HEADER_BYTES + 4 * i);
  return out;
}

/** The tensor in a file's bytes; throws on a bad header or size. */
export function decodeInputTensor(bytes: Uint8Array): InputTensor {
  if (!isInputTensorFile(bytes)) throw new Error('not an input-tensor file');
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const shape: [number, number, number] = [b.readUInt32LE(MAGIC.length), b.readUInt32LE(MAGIC.length + 4), b.readUInt32LE(MAGIC.length + 8)];
  const n = shape[0] * shape[1] * shape[2];
  if (b.length !== HEADER_BYTES + 4 * n) throw new Error(`an input-tensor file of ${shape.join('×')} has ${b.length} bytes`);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = b.readFloatLE(HEADER_BYTES + 4 * i);
  return { shape, data };
}

/** Stores a tensor in the uploads folder; resolves with its sha256 (its name there). */
export async function storeInputTensor(uploadsDir: string, t: InputTensor): Promise<string> {
  const bytes = encodeInputTensor(t);
  const hash = createHash('sha256').update(bytes).digest('hex');
  await mkdir(uploadsDir, { recursive: true });
  const file = path.join(uploadsDir, hash);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
  return hash;
}

/** Reads a stored tensor back. */
export async function readInputTensor(uploadsDir: string, sha256: string): Promise<InputTensor> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('bad tensor hash');
  return decodeInputTensor(await readFile(path.join(uploadsDir, sha256)));
}
