/**
 * Job results on the wire. The server sends typed arrays and PNGs as Socket.io binary attachments, so they arrive
 * as bytes (an ArrayBuffer in browsers, a Buffer in Node), not as the Float32Array/Int32Array the result types
 * name. These helpers turn them back, per job kind, without copying JSON arrays around.
 */
import type { JobOutcome, JobProgress, JobResultData, WireMap } from './jobs';

/** Bytes as they may arrive: an ArrayBuffer or any view on one. */
type Bytes = ArrayBuffer | ArrayBufferView;

function isBytes(v: unknown): v is Bytes {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

/** A typed array of `Ctor` over received bytes (copied when the bytes are not aligned for it). */
function typed<T extends Float32Array | Int32Array>(v: unknown, Ctor: { new (b: ArrayBuffer, o: number, n: number): T; new (n: number): T; BYTES_PER_ELEMENT: number }, what: string): T {
  if (v instanceof Ctor) return v;
  if (!isBytes(v)) throw new Error(`${what}: expected binary data`);
  const buffer = v instanceof ArrayBuffer ? v : (v.buffer as ArrayBuffer);
  const offset = v instanceof ArrayBuffer ? 0 : v.byteOffset;
  const length = v.byteLength;
  if (length % Ctor.BYTES_PER_ELEMENT !== 0) throw new Error(`${what}: ${length} bytes is not a whole number of elements`);
  const n = length / Ctor.BYTES_PER_ELEMENT;
  // Node hands out Buffers that are slices of a shared pool, often at odd offsets.
  if (offset % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(buffer, offset, n);
  const out = new Ctor(n);
  new Uint8Array(out.buffer).set(new Uint8Array(buffer, offset, length));
  return out;
}

/** Received bytes as a Uint8Array (PNGs). */
function bytes(v: unknown, what: string): Uint8Array {
  // A Node Buffer is a Uint8Array subclass: hand out a plain view, as in the browser.
  if (v instanceof Uint8Array && v.constructor === Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  throw new Error(`${what}: expected binary data`);
}

function map(m: WireMap, what: string): WireMap {
  return { ...m, data: typed(m.data, Float32Array, what) };
}

/** Turns the binary members of a received `job:result` back into typed arrays (a failure is returned as is). */
export function reviveJobOutcome(outcome: JobOutcome): JobOutcome {
  if (!outcome.ok) return outcome;
  const d = outcome.data as unknown as Record<string, unknown>;
  let data: JobResultData[keyof JobResultData];
  switch (outcome.kind) {
    case 'activations': {
      const a = d as unknown as JobResultData['activations'];
      data = { ...a, maps: typed(a.maps, Float32Array, 'activations.maps') };
      break;
    }
    case 'occlusion': {
      const o = d as unknown as JobResultData['occlusion'];
      data = {
        ...o,
        probabilities: typed(o.probabilities, Float32Array, 'occlusion.probabilities'),
        topClass: typed(o.topClass, Int32Array, 'occlusion.topClass'),
        topProbability: typed(o.topProbability, Float32Array, 'occlusion.topProbability'),
      };
      break;
    }
    case 'saliency': {
      const s = d as unknown as JobResultData['saliency'];
      data = {
        ...s,
        map: map(s.map, 'saliency.map'),
        ...(s.raw ? { raw: map(s.raw, 'saliency.raw') } : {}),
        ...(s.png ? { png: bytes(s.png, 'saliency.png') } : {}),
      };
      break;
    }
    case 'ascent': {
      const a = d as unknown as JobResultData['ascent'];
      data = { ...a, image: map(a.image, 'ascent.image'), ...(a.png ? { png: bytes(a.png, 'ascent.png') } : {}) };
      break;
    }
    case 'patches': {
      const p = d as unknown as JobResultData['patches'];
      data = { entries: p.entries.map((e, i) => (e.patch ? { ...e, patch: map(e.patch, `patches.entries.${i}.patch`) } : e)) };
      break;
    }
    default:
      // classify and occlusion-masks carry plain numbers only.
      return outcome;
  }
  return { ...outcome, data } as JobOutcome;
}

/** Turns a received `job:progress` snapshot image back into a Uint8Array (PNG). */
export function reviveJobProgress(progress: JobProgress): JobProgress {
  return progress.image === undefined ? progress : { ...progress, image: bytes(progress.image, 'progress.image') };
}
