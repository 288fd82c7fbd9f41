// Test-only: selects the cpu backend, which has every gradient kernel, so references are exact.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';

/** Switches tfjs to the cpu backend (call in beforeAll). */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Runs fn and fails if it leaves more than `kept` tensors (those it returns) behind. */
export async function expectNoLeak<T>(fn: () => Promise<T> | T, kept = 0): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  const after = tf.memory().numTensors;
  if (after - before !== kept) throw new Error(`expected ${kept} new tensors, found ${after - before}`);
  return out;
}
