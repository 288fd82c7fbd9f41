import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseNpy } from '@convlab/nets';
import { describe, expect, it } from 'vitest';
import { discoverCommands } from './main';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'packages/cli/bin/convlab.js');
const SHARED = path.resolve(ROOT, '../shared');
const haveShared = existsSync(path.join(SHARED, 'models/tflite'));
const ELEPHANT = path.join(SHARED, 'images/imagenet-samples/n02504458_African_elephant.jpg');
/** The caller's CONVLAB_* settings must not leak into the runs. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CONVLAB_')));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real `convlab` command (the bin, as npm links it) and collects its output and exit status. */
async function convlab(args: string[], viaNpx = false): Promise<Result> {
  const [cmd, argv] = viaNpx ? ['npx', ['--no-install', 'convlab', ...args]] : [process.execPath, [BIN, ...args]];
  try {
    const { stdout, stderr } = await run(cmd, argv, { cwd: ROOT, env: ENV as NodeJS.ProcessEnv, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

describe('convlab subcommand discovery', () => {
  it('finds every *.command.ts file, so adding a subcommand is adding one file', async () => {
    const found = await discoverCommands();
    expect(found.map((c) => c.name).slice(0, 4)).toEqual(['models', 'inspect', 'classify', 'infer']);
    const orders = found.map((c) => c.order ?? 100);
    expect(orders).toEqual([...orders].sort((a, b) => a - b));
    const dir = mkdtempSync(path.join(tmpdir(), 'convlab-cmd-'));
    writeFileSync(path.join(dir, 'hello.command.ts'), `export default { name: 'hello', summary: 'hi', order: 1, configure: (c) => c, run: async () => {} };\n`);
    writeFileSync(path.join(dir, 'notes.ts'), 'export const ignored = true;\n');
    expect((await discoverCommands(dir)).map((c) => c.name)).toEqual(['hello']);
    rmSync(dir, { recursive: true });
  });
});

describe('convlab (the real command)', () => {
  it('prints help and rejects bad usage with status 2', async () => {
    const help = await convlab(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/models.*\n[\s\S]*inspect[\s\S]*classify[\s\S]*infer/);
    const bad = await convlab(['classify', '--model', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/required option '--image <file>'/);
    const backend = await convlab(['--backend', 'gpu9000', 'models']);
    expect(backend.code).toBe(2);
  }, 60_000);

  it('names an unknown model and lists the built-in ids', async () => {
    const r = await convlab(['inspect', '--model', 'resnet_9000']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/convlab inspect: unknown model 'resnet_9000': not a built-in id \(mobilenet_v1_0.25_224, /);
  }, 60_000);
});

describe.skipIf(!haveShared)('convlab on the shared models', () => {
  it('npx convlab classify puts "African elephant" first for the elephant photo', async () => {
    const r = await convlab(['classify', '--model', 'mobilenet_v1_0.75_224', '--image', ELEPHANT], true);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').slice(2);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatch(/^\s*1\s+African elephant\s+\d+\.\d\d%\s+386$/);
  }, 120_000);

  it('classify --json --top 3 on the cpu backend with a TFLite file given by path', async () => {
    const file = path.join(SHARED, 'models/tflite/mobilenet_v2_1.0_224_quant.tflite');
    const r = await convlab(['--backend', 'cpu', 'classify', '--model', file, '--image', ELEPHANT, '--top', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { backend: string; predictions: Array<{ rank: number; name: string; probability: number; outputIndex: number }> };
    expect(out.backend).toBe('cpu');
    expect(out.predictions.map((p) => p.rank)).toEqual([1, 2, 3]);
    expect(out.predictions[0]).toMatchObject({ name: 'African elephant', outputIndex: 387 });
    expect(out.predictions[0].probability).toBeGreaterThan(out.predictions[1].probability);
  }, 120_000);

  it('models --json lists all built-in models with their local location', async () => {
    const r = await convlab(['models', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ id: string; available: boolean; location: string; bytes: number }>;
    expect(rows).toHaveLength(11);
    expect(rows.find((m) => m.id === 'tf2_mobilenet_v2_1.0_224_ptq')).toMatchObject({ available: true, location: 'shared', bytes: 4070174 });
  }, 60_000);

  it('models --verify finds a corrupted copy in --models-dir and exits with status 1', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'convlab-verify-'));
    const name = 'mobilenet_v1_0.25_128_quant.tflite';
    const bytes = Buffer.from(readFileSync(path.join(SHARED, 'models/tflite', name)));
    bytes[1000] ^= 0xff;
    mkdirSync(path.join(dir, 'tflite'));
    writeFileSync(path.join(dir, 'tflite', name), bytes);
    const r = await convlab(['--models-dir', dir, 'models', '--verify']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/mobilenet_v1_0.25_128_quant .*explicit .*DAMAGED/);
    expect(r.stdout).toMatch(/mobilenet_v1_0.25_224 .*shared .*sha256 ok/);
    expect(r.stderr).toMatch(/sha256 [0-9a-f]{64}, expected cb273c23/);
    rmSync(dir, { recursive: true });
  }, 120_000);

  it('inspect --json gives shapes, receptive fields, parameters and FLOPs', async () => {
    const r = await convlab(['inspect', '--model', 'mobilenet_v1_0.25_128_quant', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      totals: { params: number; flops: number };
      nodes: Array<{ op: string; shape: number[]; params: number; receptiveField: { size: number[]; jump: number[]; start: number[] } | null }>;
    };
    expect(out.nodes).toHaveLength(32);
    expect(out.totals.params).toBe(467593);
    // First conv: 3x3 stride 2 'same' on 128 px: TensorFlow puts the one padding pixel at the bottom/right.
    expect(out.nodes[1]).toMatchObject({ op: 'conv2d', shape: [64, 64, 8], params: 8 * 27 + 8, receptiveField: { size: [3, 3], jump: [2, 2], start: [1, 1] } });
    expect(out.nodes.at(-1)!.shape).toEqual([1001]);
  }, 60_000);

  it('infer reproduces the reference outputs of SqueezeNet 1.1 (NCHW logits) and 1.0 (NHWC probabilities)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'convlab-infer-'));
    const cases = [
      { id: 'squeezenet1.1_nchw', layout: 'nchw', output: 'logits' },
      { id: 'squeezenet1.0_nhwc', layout: 'nhwc', output: 'probs' },
    ];
    for (const c of cases) {
      const set = path.join(SHARED, 'models', c.id, 'test_data_set/0');
      const out = path.join(dir, `${c.id}.npy`);
      const r = await convlab(['infer', '--model', c.id, '--npy', path.join(set, 'input_0.npy'), '--layout', c.layout, '--output', c.output, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`wrote .*\\[1, 10\\d\\d\\] ${c.output}`));
      const got = parseNpy(new Uint8Array(readFileSync(out)));
      const want = parseNpy(new Uint8Array(readFileSync(path.join(set, 'output_0.npy'))));
      expect(got.data.length).toBe(want.data.length);
      let scale = 0;
      for (const v of want.data) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < want.data.length; i++) expect(Math.abs(got.data[i] - want.data[i])).toBeLessThanOrEqual(1e-4 * scale);
    }
    const wrong = await convlab(['infer', '--model', 'squeezenet1.1_nchw', '--npy', path.join(SHARED, 'models/squeezenet1.1_nchw/test_data_set/0/input_0.npy'), '--out', path.join(dir, 'x.npy')]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/is it NCHW\? \(--layout nchw\)/);
    rmSync(dir, { recursive: true });
  }, 120_000);
});
