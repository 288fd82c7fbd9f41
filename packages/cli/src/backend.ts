/** Picks and starts the tfjs backend of a CLI run (wasm by default in Node). */
import * as tf from '@tensorflow/tfjs-core';
import { CliError } from './command.types';

/** Backends the CLI can start. 'tensorflow' needs @tensorflow/tfjs-node (or -gpu) installed. */
export const CLI_BACKENDS = ['wasm', 'cpu', 'tensorflow'] as const;

/** Registers and selects a backend; returns the name tfjs reports. */
export async function initBackend(name: string): Promise<string> {
  // Silences tfjs' "install tfjs-node" banner and debug checks; the CLI's own messages go to stderr.
  tf.enableProdMode();
  switch (name) {
    case 'wasm':
      await import('@tensorflow/tfjs-backend-wasm');
      break;
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      break;
    case 'tensorflow': {
      // Optional native backend: present only where a deployment installed it (it downloads libtensorflow).
      const tried: string[] = [];
      for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
        try {
          await import(/* @vite-ignore */ pkg);
          tried.length = 0;
          break;
        } catch {
          tried.push(pkg);
        }
      }
      if (tried.length) throw new CliError(`backend 'tensorflow' needs ${tried.join(' or ')} installed; use --backend wasm or cpu`, true);
      break;
    }
    default:
      throw new CliError(`unknown backend '${name}'; choose one of: ${CLI_BACKENDS.join(', ')}`, true);
  }
  if (!(await tf.setBackend(name))) throw new CliError(`backend '${name}' failed to start`);
  await tf.ready();
  return tf.getBackend();
}
