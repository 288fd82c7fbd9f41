/** `--model path/to/model.onnx` through the real `convlab` bin: ResNet-18's first-layer filters and SqueezeNet 1.1 agreeing with the built-in copy. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/convlab.js');
const ONNX = path.resolve(ROOT, '../shared/models/onnx');
const OWL = path.resolve(ROOT, '../shared/images/photos/coral_owl.jpg');
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CONVLAB_')));

async function convlabJson(args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [BIN, ...args, '--json'], { cwd: ROOT, env: ENV as NodeJS.ProcessEnv, maxBuffer: 16 << 20 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe.skipIf(!existsSync(ONNX))('convlab --model <file>.onnx', () => {
  it('filters of resnet18.onnx: 64 filters of 7×7×3', async () => {
    const r = await convlabJson(['filters', '--model', path.join(ONNX, 'resnet18.onnx')]);
    expect(r.kernelShape).toEqual([7, 7, 3, 64]);
    expect(r.filters).toBe(64);
  }, 120_000);

  it('classify with squeezenet1_1.onnx (torchvision preprocessing, ImageNet labels) equals the built-in squeezenet1.1_nchw', async () => {
    const [a, b] = await Promise.all([
      convlabJson(['classify', '--model', path.join(ONNX, 'squeezenet1_1.onnx'), '--image', OWL, '--top', '3']),
      convlabJson(['classify', '--model', 'squeezenet1.1_nchw', '--image', OWL, '--top', '3']),
    ]);
    const names = (r: Record<string, unknown>) => (r.predictions as Array<{ name: string; probability: number }>);
    expect(names(a)[0].name).toBe('ruffed grouse');
    expect(names(a).map((p) => p.name)).toEqual(names(b).map((p) => p.name));
    names(a).forEach((p, i) => expect(p.probability).toBeCloseTo(names(b)[i].probability, 5));
  }, 120_000);
});
