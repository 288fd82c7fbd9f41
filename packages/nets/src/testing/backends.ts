/** Test helper (Node): switch tfjs between the cpu and wasm backends. Not exported from the package. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
let wasmPathsSet = false;

/** Makes `name` ('cpu' | 'wasm') the active backend. */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (name === 'wasm' && !wasmPathsSet) {
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(dir + path.sep);
    wasmPathsSet = true;
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`cannot start the ${name} backend`);
  await tf.ready();
}

/** Runs `fn` on each backend in turn and returns their results keyed by backend. */
export async function onBackends<T>(names: Array<'cpu' | 'wasm'>, fn: (backend: string) => T | Promise<T>): Promise<Record<string, T>> {
  const out: Record<string, T> = {};
  for (const n of names) {
    await useBackend(n);
    out[n] = await fn(n);
  }
  return out;
}

/** max |a - b| / max |b| over two arrays. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

/** ||a - b|| / ||b|| (Euclidean): robust to a few elements that flip across a ReLU kink. */
export function l2RelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.sqrt(den || 1);
}
