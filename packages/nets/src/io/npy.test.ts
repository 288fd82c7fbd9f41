import { describe, expect, it } from 'vitest';
import { encodeNpy, parseNpy } from './npy';

function npy(descr: string, shape: string, body: Uint8Array, fortran = false, version = 1): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
  const pre = version === 1 ? 10 : 12;
  header = header.padEnd(Math.ceil((pre + header.length + 1) / 64) * 64 - pre - 1, ' ') + '\n';
  const out = new Uint8Array(pre + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  out.set(body, pre + header.length);
  return out;
}

describe('npy', () => {
  it('round-trips float32 through encode/parse', () => {
    const data = Float32Array.from([1.5, -2, 3.25, 0, 7, 8]);
    const a = parseNpy(encodeNpy(data, [2, 3]));
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual(Array.from(data));
    expect(parseNpy(encodeNpy(Float32Array.from([4]), [1])).shape).toEqual([1]);
    // The header block is padded to a multiple of 64 bytes so the data is aligned.
    expect((encodeNpy(data, [6]).length - 6 * 4) % 64).toBe(0);
  });

  it('reads Fortran order, big-endian, float64, int types and version 2 headers', () => {
    // Fortran order [2, 3]: column-major 1 4 2 5 3 6 is C order 1 2 3 / 4 5 6.
    const f = parseNpy(npy('<f4', '(2, 3)', new Uint8Array(Float32Array.from([1, 4, 2, 5, 3, 6]).buffer), true));
    expect(Array.from(f.data)).toEqual([1, 2, 3, 4, 5, 6]);
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 2.5, false);
    new DataView(be.buffer).setFloat32(4, -1, false);
    expect(Array.from(parseNpy(npy('>f4', '(2,)', be)).data)).toEqual([2.5, -1]);
    const d = parseNpy(npy('<f8', '(2,)', new Uint8Array(Float64Array.from([0.1, 1e10]).buffer)));
    expect(d.data[0]).toBeCloseTo(0.1, 7);
    expect(d.data[1]).toBe(1e10);
    const i = parseNpy(npy('<i8', '(3,)', new Uint8Array(BigInt64Array.from([1n, -2n, 3n]).buffer)), 'ints');
    expect(i.data).toBeInstanceOf(Int32Array);
    expect(Array.from(i.data)).toEqual([1, -2, 3]);
    expect(Array.from(parseNpy(npy('|u1', '(2,)', Uint8Array.from([7, 255]), false, 2)).data)).toEqual([7, 255]);
    expect(parseNpy(npy('<f4', '()', new Uint8Array(Float32Array.from([9]).buffer))).shape).toEqual([]);
  });

  it('rejects bad files with errors that name them', () => {
    expect(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'x.npy')).toThrow(/x.npy: not a .npy file/);
    const full = encodeNpy(Float32Array.from([1, 2, 3]), [3]);
    expect(() => parseNpy(full.subarray(0, full.length - 2), 'w.npy')).toThrow(/w.npy: truncated .npy/);
    expect(() => parseNpy(npy('<c8', '(1,)', new Uint8Array(8)), 'c.npy')).toThrow(/unsupported .npy dtype '<c8'/);
  });
});
